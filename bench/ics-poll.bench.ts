/**
 * The cost of polling an unchanged .ics feed: one conditional GET answered 304, no parsing (`npm run bench:ics`
 * runs it after the parse/expand benchmark). The feed server runs on loopback in this process.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createOutboundGuard } from "../src/outbound/guarded-fetch.ts";
import { sharedFeedReader } from "../src/providers/ics/feed-worker-pool.ts";
import { createIcsFeedSource } from "../src/providers/ics/ics-feed-source.ts";

const events = Array.from({ length: 2000 }, (_, index) =>
  [
    "BEGIN:VEVENT",
    `UID:bench-${index}`,
    `DTSTART:2030030${1 + (index % 9)}T${String(8 + (index % 9)).padStart(2, "0")}0000Z`,
    "DURATION:PT45M",
    index % 3 === 0 ? "RRULE:FREQ=WEEKLY;COUNT=40" : "",
    `SUMMARY:Event ${index}`,
    "END:VEVENT",
  ]
    .filter(Boolean)
    .join("\r\n"),
);
const body = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:bench\r\n${events.join("\r\n")}\r\nEND:VCALENDAR\r\n`;

const server = createServer((request, response) => {
  if (request.headers["if-none-match"] === '"v1"') return void response.writeHead(304).end();
  response.writeHead(200, { etag: '"v1"', "content-type": "text/calendar" }).end(body);
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.ics`;
const source = createIcsFeedSource({
  url,
  displayName: "bench",
  fetch: {
    guard: createOutboundGuard({ allow: ["127.0.0.1"] }),
    maxBytes: 10 * 1024 * 1024,
    timeoutMs: 10_000,
  },
  reader: sharedFeedReader(),
});
const window = { from: new Date("2030-03-01T00:00:00Z"), to: new Date("2030-05-30T00:00:00Z") };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const full: number[] = [];
let cursor = null;
for (let run = 0; run < 5; run++) {
  const started = performance.now();
  const result = await source.pull({
    calendarRef: "feed",
    cursor: null,
    window,
    hostTimeZone: "Europe/Berlin",
  });
  full.push(performance.now() - started);
  if (!result.ok || result.value.kind !== "snapshot") throw new Error("expected a snapshot");
  cursor = result.value.nextCursor;
}
const notModified: number[] = [];
for (let run = 0; run < 200; run++) {
  const started = performance.now();
  const result = await source.pull({ calendarRef: "feed", cursor, window, hostTimeZone: "Europe/Berlin" });
  notModified.push(performance.now() - started);
  if (!result.ok || result.value.kind !== "unchanged") throw new Error("expected 304 / unchanged");
}
server.close();
console.log(
  `\n.ics feed poll (${(body.length / 1024).toFixed(0)} KB, ${events.length} events, 90-day window)`,
);
console.table([
  { case: "full fetch + parse + expand", "median ms": median(full).toFixed(2), runs: full.length },
  {
    case: "poll answered 304 Not Modified",
    "median ms": median(notModified).toFixed(3),
    runs: notModified.length,
  },
]);
