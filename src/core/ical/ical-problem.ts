/**
 * A problem found in an iCalendar file, tied to the physical line (1-based) where the offending content line
 * starts. `error` problems make `parseCalendars` fail; `warning` problems are tolerated and reported by
 * `calbridge ics validate` (real-world feeds are full of them and must still be read).
 */
export interface IcalProblem {
  severity: "error" | "warning";
  line: number;
  message: string;
}

/**
 * Why a file could not be parsed at all: the first structural error, with its line. The message does not
 * repeat the line (`line 5: line 5: ...` came from both doing it); print it as `line ${line}: ${message}`.
 */
export interface IcalParseError {
  code: "malformed_ics";
  line: number;
  message: string;
}
