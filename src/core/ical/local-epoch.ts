// Wall-clock values are handled as "seconds since 1970-01-01T00:00 on the same wall clock": plain numbers, fast
// to compare and shift, and independent of the process time zone. The civil-date arithmetic below (Howard
// Hinnant's days_from_civil / civil_from_days) allocates nothing: expansion formats and parses hundreds of
// thousands of these, and Date or Temporal objects for each made garbage collection the main cost.

const DAY = 86_400;

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** [year, month, day] of a day number. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

export function daysInMonth(year: number, month: number): number {
  return (
    daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    daysFromCivil(year, month, 1)
  );
}

/** Wall-clock seconds of a date and time; fields are not validated here. */
export function wallSeconds(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  return daysFromCivil(year, month, day) * DAY + hour * 3600 + minute * 60 + second;
}

/** The fields of wall-clock seconds. */
export function wallFields(seconds: number): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
} {
  const days = Math.floor(seconds / DAY);
  const [year, month, day] = civilFromDays(days);
  const rest = seconds - days * DAY;
  return {
    year,
    month,
    day,
    hour: Math.floor(rest / 3600),
    minute: Math.floor((rest % 3600) / 60),
    second: rest % 60,
  };
}

const ZERO = 48;
const tens = (value: number): number => ZERO + Math.floor(value / 10);
const ones = (value: number): number => ZERO + (value % 10);

/**
 * `YYYY-MM-DDTHH:MM:SS` of a wall-clock epoch value (years 0-9999). Built from character codes in one call:
 * it runs for every occurrence boundary, and template concatenation gives ropes that V8 flattens again (and
 * allocates for) whenever the text is read back by character.
 */
export function formatLocalSeconds(seconds: number): string {
  return formatWallClock(seconds, "");
}

/** `YYYY-MM-DDTHH:MM:SSZ`. */
export function formatUtcSeconds(seconds: number): string {
  return formatWallClock(seconds, "Z");
}

function formatWallClock(seconds: number, suffix: "" | "Z"): string {
  const days = Math.floor(seconds / DAY);
  const [year, month, day] = civilFromDays(days);
  const rest = seconds - days * DAY;
  const hour = Math.floor(rest / 3600);
  const minute = Math.floor((rest % 3600) / 60);
  const second = rest % 60;
  const century = Math.floor(year / 100);
  return String.fromCharCode(
    tens(century),
    ones(century),
    tens(year % 100),
    ones(year % 100),
    45,
    tens(month),
    ones(month),
    45,
    tens(day),
    ones(day),
    84,
    tens(hour),
    ones(hour),
    58,
    tens(minute),
    ones(minute),
    58,
    tens(second),
    ones(second),
  ).concat(suffix);
}

function startOfDaySeconds(seconds: number): number {
  return Math.floor(seconds / DAY) * DAY;
}

/** `YYYY-MM-DD` of a wall-clock epoch value. */
export function formatDateSeconds(seconds: number): string {
  return formatLocalSeconds(startOfDaySeconds(seconds)).slice(0, 10);
}
