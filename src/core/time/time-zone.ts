import { createLruMap } from "../lru-map.ts";

/**
 * IANA time-zone check without I/O. Intl knows the zone database shipped with the runtime; a name it rejects is
 * unknown. (Temporal would also throw, but Intl is cheaper for validation.) The names come from requests, and Intl
 * accepts any casing of a valid one: the memo is bounded, or a visitor could grow it without end.
 */
export const TIME_ZONE_MEMO_ENTRIES = 2_000;
const known = createLruMap<string, boolean>({ maxEntries: TIME_ZONE_MEMO_ENTRIES });

/** How many answers are remembered (tests check that it stays bounded). */
export function timeZoneMemoSize(): number {
  return known.size;
}

export function isKnownTimeZone(name: string): boolean {
  const cached = known.get(name);
  if (cached !== undefined) return cached;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    // "Etc/Unknown" and offsets like "+01:00" are accepted by Intl but are not zones a person lives in.
    valid = name.includes("/") || name === "UTC";
  } catch {
    valid = false;
  }
  known.set(name, valid);
  return valid;
}
