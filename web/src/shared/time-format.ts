/** Dates and times through Intl only: in a given zone, language and clock (12/24 h). */

export type Clock = "12" | "24";

const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let found = cache.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, options);
    cache.set(key, found);
  }
  return found;
}

export function formatTime(instant: string | Date, zone: string, locale: string, clock: Clock): string {
  return formatter(locale, {
    timeZone: zone,
    hour: clock === "12" ? "numeric" : "2-digit",
    minute: "2-digit",
    hourCycle: clock === "12" ? "h12" : "h23",
  }).format(new Date(instant));
}

export function formatDate(instant: string | Date, zone: string, locale: string): string {
  return formatter(locale, {
    timeZone: zone,
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  }).format(new Date(instant));
}

/** "Monday, March 4, 2030, 9:00 – 9:30 AM" style, in one zone. */
export function formatRange(
  start: string | Date,
  end: string | Date,
  zone: string,
  locale: string,
  clock: Clock,
): string {
  return `${formatDate(start, zone, locale)}, ${formatTime(start, zone, locale, clock)} – ${formatTime(end, zone, locale, clock)}`;
}

/** A calendar date ("2030-03-04", no zone) for headings: "Monday, March 4". */
export function formatDay(date: string, locale: string, withYear = false): string {
  return formatter(locale, {
    timeZone: "UTC",
    weekday: "long",
    day: "numeric",
    month: "long",
    ...(withYear ? { year: "numeric" } : {}),
  }).format(new Date(`${date}T12:00:00Z`));
}

export function formatMonth(year: number, month: number, locale: string): string {
  return formatter(locale, { timeZone: "UTC", month: "long", year: "numeric" }).format(
    new Date(Date.UTC(year, month, 1, 12)),
  );
}

/** Short weekday names starting on the locale's first day (Monday for de/fr, Sunday for en-US). */
export function weekdayNames(locale: string, firstDay: number): string[] {
  const names: string[] = [];
  for (let index = 0; index < 7; index += 1) {
    // 2030-03-03 is a Sunday.
    const day = new Date(Date.UTC(2030, 2, 3 + ((firstDay + index) % 7), 12));
    names.push(formatter(locale, { timeZone: "UTC", weekday: "short" }).format(day));
  }
  return names;
}

export function firstDayOfWeek(locale: string): number {
  const info = (
    new Intl.Locale(locale) as Intl.Locale & { getWeekInfo?: () => { firstDay: number } }
  ).getWeekInfo?.();
  if (info) return info.firstDay % 7;
  return locale.startsWith("en-US") || locale === "en" ? 0 : 1;
}

/** The calendar date of an instant in a zone: "2030-03-04". */
export function localDate(instant: Date, zone: string): string {
  return formatter("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    instant,
  );
}

/** "GMT+01:00" style offset of a zone at an instant. */
export function zoneOffset(zone: string, at: Date = new Date()): string {
  const part = formatter("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(at)
    .find((piece) => piece.type === "timeZoneName");
  return part?.value === "GMT" ? "GMT+00:00" : (part?.value ?? "");
}

export function allTimeZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.(
    "timeZone",
  );
  const zones = supported && supported.length > 0 ? [...supported] : ["UTC"];
  if (!zones.includes("UTC")) zones.unshift("UTC");
  return zones;
}

export function detectTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** The clock the visitor's locale uses by default. */
export function defaultClock(locale: string): Clock {
  const cycle = formatter(locale, { hour: "numeric" }).resolvedOptions().hourCycle;
  return cycle === "h11" || cycle === "h12" ? "12" : "24";
}

/** Compact UTC form for calendar links: 20300304T090000Z. */
export function compactUtc(instant: string): string {
  return new Date(instant)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}
