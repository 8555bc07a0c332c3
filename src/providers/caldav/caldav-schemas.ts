import { z } from "zod";

/** What a CalDAV connection keeps, encrypted with the key ring like OAuth tokens. */
export const calDavStoredCredentialsSchema = z.object({
  kind: z.literal("caldav"),
  serverUrl: z.string(),
  principalUrl: z.string(),
  homeUrl: z.string(),
  username: z.string(),
  password: z.string(),
});
export type CalDavStoredCredentials = z.infer<typeof calDavStoredCredentialsSchema>;

/** Providers known by name; `nextcloud` needs the instance's base URL. */
export const calDavPresets = {
  icloud: "https://caldav.icloud.com",
  fastmail: "https://caldav.fastmail.com/dav/",
} as const;

/**
 * tsdav hands back XML as camelCased objects, values converted to numbers where they look like one: a text value
 * is read with String(), and a property that is not there or not text is undefined.
 */
const hrefValue = z.union([z.object({ href: z.unknown() }).transform((v) => v.href), z.unknown()]);

export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (value && typeof value === "object" && "_text" in value)
    return textOf((value as { _text: unknown })._text);
  if (value && typeof value === "object" && "_cdata" in value)
    return textOf((value as { _cdata: unknown })._cdata);
  return undefined;
}

/** The first href of a DAV:href-holding property (current-user-principal, calendar-home-set). */
export function hrefOf(value: unknown): string | undefined {
  const inner = hrefValue.parse(value);
  const first = Array.isArray(inner) ? inner[0] : inner;
  return textOf(first);
}

/** The component names of supported-calendar-component-set; undefined when the server does not say (= all). */
export function componentsOf(value: unknown): string[] | undefined {
  if (!value || typeof value !== "object" || !("comp" in value)) return undefined;
  const comps = (value as { comp: unknown }).comp;
  return (Array.isArray(comps) ? comps : [comps])
    .map((comp) => (comp as { _attributes?: { name?: unknown } } | undefined)?._attributes?.name)
    .filter((name): name is string => typeof name === "string")
    .map((name) => name.toUpperCase());
}

/** Whether current-user-privilege-set grants writing objects; undefined when the server does not say. */
export function canWrite(value: unknown): boolean | undefined {
  if (!value || typeof value !== "object" || !("privilege" in value)) return undefined;
  const privileges = (value as { privilege: unknown }).privilege;
  return (Array.isArray(privileges) ? privileges : [privileges]).some(
    (privilege) =>
      privilege !== null &&
      typeof privilege === "object" &&
      ["all", "write", "writeContent", "bind"].some((name) => name in privilege),
  );
}
