/**
 * `npm run bench:ics`: parse and expand a ~5 MB .ics feed (issue 7) over a 90-day window.
 *
 * The feed is generated here, deterministically: a few thousand events in the shapes of real exports (Outlook
 * with Windows TZIDs and VTIMEZONEs, Google with IANA zones and UTC times, all-day events), about two thirds
 * recurring (weekday and weekly series, monthly "second Tuesday", yearly), with EXDATEs and moved instances,
 * and descriptions of realistic length. Prints the median of several runs and the peak memory of one
 * parse + expand measured in a fresh child process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expandOccurrences } from "../src/core/ical/expand-occurrences.ts";
import { occurrencesToBusy } from "../src/core/ical/occurrences-to-busy.ts";
import { parseCalendars } from "../src/core/ical/parse-calendar.ts";

const WINDOW = { from: "2026-01-05T00:00:00Z", to: "2026-04-05T00:00:00Z" };
const EVENTS = 5_000;
const RUNS = 5;

/** xorshift32: a fixed sequence, so every run measures the same feed. */
function createRandom(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const WEU = [
  "BEGIN:VTIMEZONE",
  "TZID:W. Europe Standard Time",
  "BEGIN:STANDARD",
  "DTSTART:16010101T030000",
  "TZOFFSETFROM:+0200",
  "TZOFFSETTO:+0100",
  "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
  "END:STANDARD",
  "BEGIN:DAYLIGHT",
  "DTSTART:16010101T020000",
  "TZOFFSETFROM:+0100",
  "TZOFFSETTO:+0200",
  "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
  "END:DAYLIGHT",
  "END:VTIMEZONE",
];

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function stamp(date: Date, utc: boolean): string {
  const text =
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}00`;
  return utc ? `${text}Z` : text;
}

/** Fold at 75 octets (RFC 5545 section 3.1), as every producer does. */
function fold(line: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < line.length; i += i === 0 ? 75 : 74)
    out.push((i === 0 ? "" : " ") + line.slice(i, i === 0 ? 75 : i + 74));
  return out;
}

function generateFeed(): string {
  const random = createRandom(20260105);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Calbridge//bench//EN",
    "X-WR-TIMEZONE:Europe/Berlin",
    ...WEU,
  ];
  const zones = [
    { param: ";TZID=W. Europe Standard Time", utc: false },
    { param: ";TZID=Eastern Standard Time", utc: false },
    { param: ";TZID=Europe/Berlin", utc: false },
    { param: "", utc: true },
  ];
  const words = "budget review sync planning customer design weekly team retro launch hiring roadmap".split(
    " ",
  );
  for (let i = 0; i < EVENTS; i++) {
    const uid = `bench-${i}@calbridge.example`;
    const zone = pick(zones);
    // Series start up to three years before the window; single events spread over the year around it.
    const recurring = random() < 0.65;
    const dayOffset = recurring ? -Math.floor(random() * 1100) : Math.floor(random() * 365) - 120;
    const start = new Date(
      Date.UTC(2026, 0, 5 + dayOffset, 7 + Math.floor(random() * 10), pick([0, 15, 30, 45])),
    );
    const end = new Date(start.getTime() + pick([15, 30, 45, 60, 90]) * 60_000);
    const description = Array.from({ length: 50 + Math.floor(random() * 70) }, () => pick(words)).join(" ");
    const allDay = !recurring && random() < 0.1;
    const event = [
      "BEGIN:VEVENT",
      `UID:${uid}`,
      "DTSTAMP:20251201T120000Z",
      `SUMMARY:${pick(words)} ${pick(words)} #${i}`,
    ];
    if (allDay) {
      const date = stamp(start, false).slice(0, 8);
      event.push(
        `DTSTART;VALUE=DATE:${date}`,
        `DTEND;VALUE=DATE:${stamp(new Date(start.getTime() + 86_400_000), false).slice(0, 8)}`,
      );
    } else {
      event.push(
        `DTSTART${zone.param}:${stamp(start, zone.utc)}`,
        `DTEND${zone.param}:${stamp(end, zone.utc)}`,
      );
    }
    if (recurring) {
      const rule = pick([
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;WKST=MO",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
        "FREQ=DAILY",
        "FREQ=MONTHLY;BYDAY=2TU",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "FREQ=YEARLY",
      ]);
      event.push(`RRULE:${rule}${random() < 0.2 ? ";UNTIL=20260301T000000Z" : ""}`);
      if (random() < 0.3)
        event.push(`EXDATE${zone.param}:${stamp(new Date(start.getTime() + 7 * 86_400_000), zone.utc)}`);
    }
    event.push(...fold(`DESCRIPTION:${description}\\n\\nJoin: https://meet.example.com/${uid}`));
    event.push(
      `LOCATION:Room ${Math.floor(random() * 40)}`,
      "STATUS:CONFIRMED",
      "TRANSP:OPAQUE",
      "SEQUENCE:0",
    );
    event.push("X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "END:VEVENT");
    lines.push(...event);
    if (recurring && random() < 0.1) {
      // A moved instance inside the window.
      const slot = new Date(Date.UTC(2026, 1, 10, start.getUTCHours(), start.getUTCMinutes()));
      lines.push(
        "BEGIN:VEVENT",
        `UID:${uid}`,
        `RECURRENCE-ID${zone.param}:${stamp(slot, zone.utc)}`,
        `DTSTART${zone.param}:${stamp(new Date(slot.getTime() + 3_600_000), zone.utc)}`,
        `DTEND${zone.param}:${stamp(new Date(slot.getTime() + 5_400_000), zone.utc)}`,
        "SEQUENCE:1",
        "SUMMARY:moved",
        "END:VEVENT",
      );
    }
  }
  lines.push("END:VCALENDAR");
  return `${lines.join("\r\n")}\r\n`;
}

function parseAndExpand(text: string): { occurrences: number; busy: number } {
  const parsed = parseCalendars(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const expanded = expandOccurrences({ calendars: parsed.value, ...WINDOW });
  if (!expanded.ok) throw new Error(expanded.error.message);
  const busy = occurrencesToBusy({ occurrences: expanded.value.occurrences, hostTimeZone: "Europe/Berlin" });
  return { occurrences: expanded.value.occurrences.length, busy: busy.length };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Child mode: one parse + expand in a fresh process, to report its peak memory alone.
if (process.argv[2] === "--measure-memory") {
  const text = readFileSync(process.argv[3]!, "utf8");
  const before = process.resourceUsage().maxRSS;
  if (process.argv[4] !== "--baseline") parseAndExpand(text);
  const after = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ beforeKiB: before, peakKiB: after }));
} else {
  const text = generateFeed();
  const bytes = Buffer.byteLength(text);
  const directory = mkdtempSync(join(tmpdir(), "calbridge-bench-ics-"));
  const file = join(directory, "feed.ics");
  writeFileSync(file, text);
  try {
    parseAndExpand(text); // warm-up: JIT, zone data, VTIMEZONE cache
    // Wall time and CPU time (user + system) of this process: on a shared, busy machine the CPU time is the
    // figure to compare between runs.
    const parseTimes: number[] = [];
    const totalTimes: number[] = [];
    const parseCpu: number[] = [];
    const totalCpu: number[] = [];
    const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
    let result = { occurrences: 0, busy: 0 };
    for (let run = 0; run < RUNS; run++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const parsed = parseCalendars(text);
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      if (!parsed.ok) throw new Error(parsed.error.message);
      const c2 = process.cpuUsage();
      result = parseAndExpand(text);
      const t2 = performance.now();
      const c3 = process.cpuUsage(c2);
      parseTimes.push(t1 - t0);
      totalTimes.push(t2 - t1);
      parseCpu.push(cpuMs(c1));
      totalCpu.push(cpuMs(c3));
    }
    const measure = (extra: string[]) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          ["--import", "tsx", process.argv[1]!, "--measure-memory", file, ...extra],
          {
            encoding: "utf8",
          },
        ),
      ) as { beforeKiB: number; peakKiB: number };
    const baseline = measure(["--baseline"]);
    const measured = measure([]);
    const mib = (kib: number) => (kib / 1024).toFixed(0);
    console.log(
      `feed: ${(bytes / 1024 / 1024).toFixed(1)} MB, ${EVENTS} events (+ moved instances), window ${WINDOW.from} .. ${WINDOW.to}`,
    );
    console.log(`result: ${result.occurrences} occurrences, ${result.busy} busy intervals`);
    const figure = (wall: number[], cpu: number[]) =>
      `median ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU over ${RUNS} runs`;
    console.log(`parse only:            ${figure(parseTimes, parseCpu)}`);
    console.log(`parse + expand + busy: ${figure(totalTimes, totalCpu)}`);
    console.log(
      `peak RSS of one parse + expand: ${mib(measured.peakKiB)} MiB (process with the file read: ${mib(baseline.peakKiB)} MiB)`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
