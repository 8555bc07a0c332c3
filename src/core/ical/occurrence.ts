import type { EventAgenda } from "./event-agenda.ts";

/**
 * One expanded occurrence, in the output forms of `calbridge ics expand`: UTC `YYYY-MM-DDTHH:MM:SSZ` for times
 * with a zone, local `YYYY-MM-DDTHH:MM:SS` for floating times, `YYYY-MM-DD` (end exclusive) for all-day ones.
 * `recurrenceId` is the instance's original slot in the same forms, null for an event that does not recur.
 * Cancelled and transparent occurrences are included; consumers decide what blocks time.
 */
export interface Occurrence {
  uid: string;
  recurrenceId: string | null;
  start: string;
  end: string;
  allDay: boolean;
  floating: boolean;
  summary: string | null;
  status: string | null;
  transparency: string | null;
  sequence: number;
  /** The zone the times were resolved in (IANA id or VTIMEZONE TZID); absent for floating and all-day. */
  timeZone?: string;
  /** What the VEVENT says besides its times: only when expandOccurrences is asked (`agenda`), for agenda import. */
  agenda?: EventAgenda;
}
