import { header, type SandboxRequest } from "./http-kit.ts";
import { resolveTimeZone } from "./time-zones.ts";

export interface Preferences {
  timeZone: string | null;
  bodyContentType: "html" | "text" | null;
  maxPageSize: number | null;
  /** Value for the Preference-Applied response header, when any preference was honoured. */
  applied: string[];
}

/** Parses `Prefer:` (several values may share one header or come in several). */
export function readPreferences(req: SandboxRequest): Preferences {
  const raw = header(req, "prefer") ?? "";
  const result: Preferences = { timeZone: null, bodyContentType: null, maxPageSize: null, applied: [] };
  for (const part of raw.split(",")) {
    const match = /^\s*([\w.-]+)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
    if (!match) continue;
    const name = match[1]!.toLowerCase();
    const value = match[2]!;
    if (name === "outlook.timezone") {
      resolveTimeZone(value);
      result.timeZone = value;
      result.applied.push(`outlook.timezone="${value}"`);
    } else if (name === "outlook.body-content-type" && (value === "text" || value === "html")) {
      result.bodyContentType = value;
      result.applied.push(`outlook.body-content-type="${value}"`);
    } else if (name === "odata.maxpagesize" && Number(value) > 0) {
      result.maxPageSize = Math.floor(Number(value));
      result.applied.push(`odata.maxpagesize=${result.maxPageSize}`);
    }
  }
  return result;
}

export function preferenceHeaders(preferences: Preferences): Record<string, string> {
  return preferences.applied.length > 0 ? { "preference-applied": preferences.applied.join(", ") } : {};
}
