/**
 * IANA time-zone check without I/O. Intl knows the zone database shipped with the runtime; a name it rejects is
 * unknown. (Temporal would also throw, but Intl is cheaper for validation.)
 */
const known = new Map<string, boolean>();

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
