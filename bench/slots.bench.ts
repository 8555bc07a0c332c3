/**
 * `npm run bench:slots`: medians of the availability engine on workload W (issue 3), as absolute figures, and how
 * they grow with hosts and with busy intervals. (A comparison with another engine belongs in a side-by-side run on
 * the same machine, not in constants copied from elsewhere.)
 *
 * Workload W: N hosts, each Mon-Fri 09:00-17:00 Europe/Berlin, one date override (10:00-14:00 on one
 * day), B busy events of 45 minutes per working day at varying times (5 unless said); 30-minute duration and step;
 * invitee in America/New_York; range starting 2030-03-01.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Temporal } from "temporal-polyfill";
import { computeSlots } from "../src/core/availability/compute-slots.ts";
import { groupSlotsByLocalDate } from "../src/core/availability/invitee-dates.ts";
import {
  type AvailabilityRequest,
  parseAvailabilityRequest,
  type SchedulingMode,
} from "../src/core/availability/request-schema.ts";
import { clearZoneOffsetCache } from "../src/core/availability/zone-offsets.ts";
import { createSeededRandom } from "../src/core/seeded-random.ts";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const createRandom = createSeededRandom;

const ZONE = "Europe/Berlin";
const RANGE_START = Temporal.PlainDate.from("2030-03-01");

function berlinInstant(date: Temporal.PlainDate, minutes: number): string {
  const zoned = date.toZonedDateTime({ timeZone: ZONE, plainTime: { hour: 0 } }).add({ minutes });
  return zoned.toInstant().toString();
}

export function buildWorkload(params: {
  hosts: number;
  days: number;
  mode: SchedulingMode;
  busyPerDay?: number;
}): unknown {
  const random = createRandom(params.hosts * 1000 + params.days);
  const busyPerDay = params.busyPerDay ?? 5;
  const hosts = Array.from({ length: params.hosts }, (_, hostIndex) => {
    const busy: Array<{ start: string; end: string; source: string }> = [];
    for (let day = 0; day < params.days; day++) {
      const date = RANGE_START.add({ days: day });
      if (date.dayOfWeek > 5) continue;
      for (let event = 0; event < busyPerDay; event++) {
        // 45-minute events starting on a quarter hour between 09:00 and 16:15 local time.
        const startMinutes = 9 * 60 + Math.floor(random() * 30) * 15;
        busy.push({
          start: berlinInstant(date, startMinutes),
          end: berlinInstant(date, startMinutes + 45),
          source: `outlook:h${hostIndex}-d${day}-e${event}`,
        });
      }
    }
    const workday: Array<[string, string]> = [["09:00", "17:00"]];
    return {
      id: `h${hostIndex + 1}`,
      timeZone: ZONE,
      weekly: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday },
      // The override shortens one working day: a weekday of the second week (11-15 March), varying by host.
      overrides: [
        { date: RANGE_START.add({ days: 10 + (hostIndex % 5) }).toString(), intervals: [["10:00", "14:00"]] },
      ],
      busy,
    };
  });
  return {
    range: {
      from: "2030-03-01T00:00:00Z",
      to: RANGE_START.add({ days: params.days }).toZonedDateTime("UTC").toInstant().toString(),
    },
    now: "2030-02-28T12:00:00Z",
    inviteeTimeZone: "America/New_York",
    eventType: { durationMinutes: 30, stepMinutes: 30, mode: params.mode },
    hosts,
  };
}

interface Row {
  label: string;
  hosts: number;
  days: number;
  mode: SchedulingMode;
  busyPerDay?: number;
}

const ROWS: Row[] = [
  { label: "1 host x 30 days", hosts: 1, days: 30, mode: "single" },
  { label: "1 host x 30 days, 50 busy/day", hosts: 1, days: 30, mode: "single", busyPerDay: 50 },
  { label: "1 host x 30 days, 500 busy/day", hosts: 1, days: 30, mode: "single", busyPerDay: 500 },
  { label: "1 host x 90 days", hosts: 1, days: 90, mode: "single" },
  { label: "10 x 30 collective", hosts: 10, days: 30, mode: "collective" },
  { label: "10 x 30 round-robin", hosts: 10, days: 30, mode: "round-robin" },
  { label: "100 x 30 round-robin", hosts: 100, days: 30, mode: "round-robin" },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Repeat until both a minimum count and a minimum total time are reached; a short warm-up first. */
function measure(run: () => unknown): number[] {
  for (let i = 0; i < 20; i++) run();
  const samples: number[] = [];
  const began = performance.now();
  while (samples.length < 50 || (performance.now() - began < 1000 && samples.length < 5000)) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return samples;
}

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Retained heap of one value: build forty, keep them, divide (smooths out GC noise). */
function retainedBytes(make: () => unknown): number {
  const before = heapUsed();
  const kept = Array.from({ length: 40 }, make);
  const after = heapUsed();
  return kept.length > 0 ? (after - before) / kept.length : 0;
}

/**
 * Heap allocated by one run: heap growth across a run right after a full collection, median of several
 * tries (a scavenge during the run would hide allocations, the median discards such tries).
 */
function allocatedBytes(run: () => unknown): number {
  const samples: number[] = [];
  const results: unknown[] = [];
  for (let i = 0; i < 7; i++) {
    const before = heapUsed();
    results.push(run());
    samples.push(process.memoryUsage().heapUsed - before);
  }
  return results.length > 0 ? median(samples) : 0;
}

function parse(input: unknown): AvailabilityRequest {
  const parsed = parseAvailabilityRequest(input);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number): string => (value < 1 ? value.toFixed(3) : value.toFixed(2));

const measured = ROWS.map((row) => {
  const input = buildWorkload(row);
  const request = parse(input);
  const slots = computeSlots(request);
  const computeSamples = measure(() => computeSlots(request));
  const groupedSamples = measure(() =>
    groupSlotsByLocalDate({ slots: computeSlots(request), timeZone: request.inviteeTimeZone }),
  );
  const parseSamples = measure(() => parse(input));
  const coldSamples = measure(() => {
    clearZoneOffsetCache();
    return computeSlots(request);
  });
  const computeMs = median(computeSamples);
  const busy = request.hosts.reduce((sum, host) => sum + (host.busy?.length ?? 0), 0);
  return {
    row,
    busy,
    computeMs,
    cells: {
      row: row.label,
      "busy events": busy,
      slots: slots.length,
      "median ms": ms(computeMs),
      "cold zone cache ms": ms(median(coldSamples)),
      "+ group by invitee date": ms(median(groupedSamples)),
      "parse input (zod) ms": ms(median(parseSamples)),
      runs: computeSamples.length,
      "input heap": kib(retainedBytes(() => parse(input))),
      "allocated per run": kib(allocatedBytes(() => computeSlots(request))),
      "result heap": kib(retainedBytes(() => computeSlots(request))),
    },
  };
});
const table = measured.map((entry) => entry.cells);

/** Median time added per unit between two rows (per busy interval, or per host). */
function growth(from: string, to: string, per: (entry: (typeof measured)[number]) => number): string {
  const a = measured.find((entry) => entry.row.label === from)!;
  const b = measured.find((entry) => entry.row.label === to)!;
  return `${(((b.computeMs - a.computeMs) * 1000) / (per(b) - per(a))).toFixed(2)} µs`;
}

console.log(
  `Availability engine, workload W (Node ${process.version}, ${process.arch}); medians over repeated runs`,
);
console.table(table);
console.log(
  "median ms: computeSlots on a parsed request. Zone transitions read from Temporal are memoised per (zone, year);",
  "cold zone cache ms: the same with that memo cleared before every run (Temporal read on each call).",
);
console.log(
  "+ group by invitee date: computeSlots then grouping by the invitee's local date (America/New_York).",
);
console.log(
  `growth: per busy interval ${growth("1 host x 30 days", "1 host x 30 days, 500 busy/day", (entry) => entry.busy)}` +
    ` (1 host, 5 -> 500 busy per working day); per round-robin host ${growth("10 x 30 round-robin", "100 x 30 round-robin", (entry) => entry.row.hosts)}` +
    ` (10 -> 100 hosts, 5 busy per working day each); per day of range ${growth("1 host x 30 days", "1 host x 90 days", (entry) => entry.row.days)}.`,
);
console.log(
  "input heap: retained size of the parsed request; allocated per run: heap allocated by one computeSlots;",
  "result heap: retained size of its result. All grow with intervals and slots, not with minutes.",
);
