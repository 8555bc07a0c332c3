import { createHash } from "node:crypto";
import { decodeIcsBytes } from "../../core/ical/decode-ics-bytes.ts";
import { expandOccurrences } from "../../core/ical/expand-occurrences.ts";
import { occurrencesToBusy } from "../../core/ical/occurrences-to-busy.ts";
import { parseCalendars } from "../../core/ical/parse-calendar.ts";
import type { SourceResult } from "../../core/sync/calendar-source.ts";

/**
 * The CPU-heavy half of reading a feed (decode, parse, expand recurrences, merge), run in a worker thread: a
 * 200-byte `FREQ=SECONDLY` feed or a 5 MB export must never hold the service's event loop. The answer is compact
 * (typed arrays of epoch ms, transferred rather than copied) so that handing it back costs the main thread little.
 */
export interface FeedExpansionJob {
  body: Uint8Array;
  fromMs: number;
  toMs: number;
  hostTimeZone: string;
  maxOccurrences: number;
  maxSeriesSteps: number;
}

export interface ExpandedFeed {
  starts: Float64Array;
  ends: Float64Array;
  /** 1 where the time is tentative, 0 where busy. */
  tentative: Uint8Array;
  refs: string[];
  /** How many occurrences were read (before runs of one series were merged into one interval). */
  occurrences: number;
  truncated: boolean;
  /** When truncated: the instant (epoch ms) from which the feed's busy time is not known. */
  incompleteFromMs: number | null;
  /** Of the intervals as stored: an unchanged feed writes nothing. */
  contentHash: string;
}

// Floating and all-day occurrences are keyed on the wall clock read as UTC; a host's zone is at most 14 hours
// away, so the cut is moved back by that much to be sure to cover what is missing wherever the host is.
const WALL_CLOCK_MARGIN_MS = 14 * 3_600_000;

interface Run {
  start: number;
  end: number;
  tentative: boolean;
  ref: string;
}

export function expandFeed(job: FeedExpansionJob): SourceResult<ExpandedFeed> {
  const parsed = parseCalendars(decodeIcsBytes(job.body));
  if (!parsed.ok) {
    return {
      ok: false,
      error: { kind: "invalid_data", message: `line ${parsed.error.line}: ${parsed.error.message}` },
    };
  }
  const expanded = expandOccurrences({
    calendars: parsed.value,
    from: new Date(job.fromMs).toISOString(),
    to: new Date(job.toMs).toISOString(),
    maxOccurrences: job.maxOccurrences,
    maxSeriesSteps: job.maxSeriesSteps,
  });
  if (!expanded.ok) return { ok: false, error: { kind: "invalid_data", message: expanded.error.message } };
  const { occurrences, truncated, cutAt } = expanded.value;
  // Runs of one series that touch or overlap become one interval (a feed is replaced whole on each sync, so no
  // delta needs the single occurrences): a MINUTELY series is one row, not ten thousand.
  const open = new Map<string, Run>();
  const runs: Run[] = [];
  for (const occurrence of occurrences) {
    // occurrencesToBusy applies RFC 5545's rules (cancelled and transparent don't block; all-day in the host's zone).
    const [interval] = occurrencesToBusy({ occurrences: [occurrence], hostTimeZone: job.hostTimeZone });
    if (!interval) continue;
    const start = Date.parse(interval.start);
    const end = Date.parse(interval.end);
    const tentative = occurrence.status === "TENTATIVE";
    const series = `${tentative ? "t" : "b"}${occurrence.uid}`;
    const run = open.get(series);
    if (run && start >= run.start && start <= run.end) {
      run.end = Math.max(run.end, end);
      continue;
    }
    const ref = occurrence.recurrenceId ? `${occurrence.uid}#${occurrence.recurrenceId}` : occurrence.uid;
    const next = { start, end, tentative, ref };
    open.set(series, next);
    runs.push(next);
  }
  const starts = new Float64Array(runs.length);
  const ends = new Float64Array(runs.length);
  const tentative = new Uint8Array(runs.length);
  const hash = createHash("sha256");
  runs.forEach((run, i) => {
    starts[i] = run.start;
    ends[i] = run.end;
    tentative[i] = run.tentative ? 1 : 0;
    hash.update(`${run.ref}\u0000${run.start}\u0000${run.end}\u0000${tentative[i]}\n`);
  });
  const incompleteFromMs = cutAt === null ? null : Math.max(job.fromMs, cutAt * 1000 - WALL_CLOCK_MARGIN_MS);
  return {
    ok: true,
    value: {
      starts,
      ends,
      tentative,
      refs: runs.map((run) => run.ref),
      occurrences: occurrences.length,
      truncated,
      incompleteFromMs: truncated ? (incompleteFromMs ?? job.fromMs) : null,
      contentHash: hash.digest("base64url"),
    },
  };
}
