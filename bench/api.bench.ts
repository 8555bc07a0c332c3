import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, loadavg } from "node:os";
import type { createCalbridgeClient } from "../client/index.ts";
import { replaceBusyWindow } from "../src/store/busy-cache.ts";
import type { Store } from "../src/store/database.ts";
import { type HostId, newId, type TenantId } from "../src/store/ids.ts";
import { calendarConnections } from "../src/store/schema.ts";
import { type BenchContext, withBenchService } from "./support/bench-service.ts";

const CONNECTIONS = 50;
const DURATION_SECONDS = 10;
const BUSY_INTERVALS = 500;
const SLOTS_RANGE_DAYS = 30;
const BOOKING_HOSTS = 16;
/** Hosts with busy calendars and an event type each, for slots that never repeat. */
const SLOTS_HOSTS = 20;
/** Consecutive requests (so, with 50 connections, concurrent ones) asking for the same contended slot. */
const RACERS_PER_SLOT = 8;
/** Days of slots precomputed per booking host: ~2,700 slots each, ~44,000 in all, so 10 s at over 4,000/s stay supplied. */
const BOOKING_DAYS = 240;
const DAY_MS = 86_400_000;
/** Issue 13 item 1: one uncached request for 1 host x 500 busy, alone on the machine. */
const targets = { uncachedSlotsP50Ms: 2, bookingsPerSecond: 300 };

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests?: AutocannonRequest[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

function processCpuSeconds(pid: number): number {
  try {
    // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th, in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU used by the service process and by its PostgreSQL backends while `run` goes: per request, this is what the
 * service costs, whatever else the machine is doing (figures under load otherwise measure the neighbours).
 */
async function withCpuAccounting<T>(
  params: { servicePid: number; store: Store; database: string },
  run: () => Promise<T>,
): Promise<{ result: T; serviceCpu: number; postgresCpu: number }> {
  const backends = async () =>
    (
      await params.store.executeSql(
        "select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
        [params.database],
      )
    ).rows.map((row) => Number(row.pid));
  const before = new Map((await backends()).map((pid) => [pid, processCpuSeconds(pid)]));
  const serviceBefore = processCpuSeconds(params.servicePid);
  const result = await run();
  const serviceCpu = processCpuSeconds(params.servicePid) - serviceBefore;
  let postgresCpu = 0;
  for (const pid of new Set([...before.keys(), ...(await backends())]))
    postgresCpu += Math.max(0, processCpuSeconds(pid) - (before.get(pid) ?? 0));
  return { result, serviceCpu, postgresCpu };
}

type Api = ReturnType<typeof createCalbridgeClient>;

/** A host with a Mon-Fri 09:00-17:00 schedule, and a 30-minute event type of its own when `slug` is given. */
async function seedHost(
  api: Api,
  params: { index: number; timeZone: string; slug?: string },
): Promise<HostId> {
  const host = await api.POST("/v1/hosts", {
    body: {
      name: `Bench Host ${params.index}`,
      email: `host${params.index}@bench.example`,
      timeZone: params.timeZone,
    },
  });
  if (!host.data) throw new Error(`host: ${JSON.stringify(host.error)}`);
  const workday: string[][] = [["09:00", "17:00"]];
  const schedule = await api.POST("/v1/hosts/{hostId}/schedules", {
    params: { path: { hostId: host.data.id } },
    body: {
      timeZone: params.timeZone,
      weekly: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday },
    },
  });
  if (!schedule.data) throw new Error(`schedule: ${JSON.stringify(schedule.error)}`);
  if (params.slug) await seedEventType(api, { slug: params.slug, hostIds: [host.data.id], mode: "single" });
  return host.data.id as HostId;
}

async function seedEventType(
  api: Api,
  params: { slug: string; hostIds: string[]; mode: "single" | "round-robin" | "collective" },
): Promise<void> {
  const eventType = await api.POST("/v1/event-types", {
    body: {
      slug: params.slug,
      title: `Bench ${params.slug}`,
      durations: [30],
      hostIds: params.hostIds,
      mode: params.mode,
      rules: { horizon: { type: "rolling", days: BOOKING_DAYS + 30 } },
    },
  });
  if (!eventType.data) throw new Error(`event type: ${JSON.stringify(eventType.error)}`);
}

/**
 * Contended bookings: RACERS_PER_SLOT consecutive requests (concurrent, with 50 connections) for each slot in turn.
 * Returns the run and the status codes; what may win is checked by the caller against the stored rows.
 */
async function contendedBookings(params: {
  url: string;
  path: string;
  starts: string[];
  label: string;
}): Promise<{ result: AutocannonResult; asked: number; unexpected: Map<string, number> }> {
  let next = 0;
  const unexpected = new Map<string, number>();
  const result = await autocannon({
    url: params.url,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => {
          const start = params.starts[Math.floor(next / RACERS_PER_SLOT) % params.starts.length]!;
          next++;
          return {
            ...request,
            path: params.path,
            headers: {
              "content-type": "application/json",
              "idempotency-key": `bench-${params.label}-${next}`,
            },
            body: JSON.stringify({
              start,
              timeZone: "UTC",
              name: "Racer",
              email: `racer${next}@bench.example`,
            }),
          };
        },
        onResponse: (status, body) => {
          if (status !== 201 && status !== 409) {
            const key = `${status} ${body.slice(0, 200)}`;
            unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
          }
        },
      },
    ],
  });
  return { result, asked: Math.ceil(next / RACERS_PER_SLOT), unexpected };
}

/** 500 busy intervals of 15-60 minutes at all hours, spread evenly over the next 30 days. */
async function seedBusyCache(store: Store, params: { tenantId: TenantId; hostId: HostId; from: Date }) {
  const connectionId = newId();
  await store.db.insert(calendarConnections).values({
    id: connectionId,
    tenantId: params.tenantId,
    hostId: params.hostId,
    provider: "ics",
    displayName: "Bench feed",
  });
  const intervals = Array.from({ length: BUSY_INTERVALS }, (_, index) => {
    const day = Math.floor((index * SLOTS_RANGE_DAYS) / BUSY_INTERVALS);
    // Strides coprime to 96 and 4 scatter starts over the day's quarter hours and lengths over 15-60 minutes;
    // about a third fall within working hours, leaving a realistic page of free slots.
    const start = params.from.getTime() + day * DAY_MS + ((index * 37) % 96) * 15 * 60_000;
    const minutes = 15 * (1 + ((index * 3) % 4));
    return {
      start: new Date(start),
      end: new Date(start + minutes * 60_000),
      status: "busy" as const,
      sourceRef: `bench-${index}`,
    };
  });
  const window = { from: params.from, to: new Date(params.from.getTime() + SLOTS_RANGE_DAYS * DAY_MS) };
  return replaceBusyWindow(store.db, {
    tenantId: params.tenantId,
    hostId: params.hostId,
    connectionId,
    calendarRef: "bench",
    window,
    intervals,
  });
}

/** Free slot starts of one event type over BOOKING_DAYS, read from the public slots API 60 days at a time. */
async function freeSlotStarts(api: Api, params: { tenantSlug: string; eventTypeSlug: string; from: Date }) {
  const starts: string[] = [];
  for (let offset = 0; offset < BOOKING_DAYS; offset += 60) {
    const from = new Date(params.from.getTime() + offset * DAY_MS);
    const to = new Date(from.getTime() + Math.min(60, BOOKING_DAYS - offset) * DAY_MS);
    const slots = await api.GET("/v1/public/{tenantSlug}/{eventTypeSlug}/slots", {
      params: {
        path: { tenantSlug: params.tenantSlug, eventTypeSlug: params.eventTypeSlug },
        query: { from: from.toISOString(), to: to.toISOString(), timeZone: "UTC" },
      },
    });
    if (!slots.data) throw new Error(`slots: ${JSON.stringify(slots.error)}`);
    starts.push(...slots.data.slots.map((slot) => slot.start));
  }
  return starts;
}

/** Round-robin over the hosts, so that consecutive requests hit different hosts' rows. */
function interleave(lists: string[][], paths: string[]): Array<{ path: string; start: string }> {
  const out: Array<{ path: string; start: string }> = [];
  const longest = Math.max(...lists.map((list) => list.length));
  for (let i = 0; i < longest; i++)
    lists.forEach((list, host) => {
      if (list[i]) out.push({ path: paths[host]!, start: list[i]! });
    });
  return out;
}

/**
 * CPU per request (service / PostgreSQL) and the rate it allows on an otherwise idle machine: the service is one
 * thread (one core at most) and shares the cores with PostgreSQL. An upper bound that ignores waiting, to read
 * figures taken on a busy machine.
 */
function cpuRows(
  run: { serviceCpu: number; postgresCpu: number },
  requests: number,
): Array<[string, string]> {
  const service = (run.serviceCpu * 1000) / Math.max(1, requests);
  const postgres = (run.postgresCpu * 1000) / Math.max(1, requests);
  const cores = availableParallelism();
  const ceiling = Math.min(1000 / service, (1000 * cores) / (service + postgres));
  return [
    ["  CPU per request: service / pg", `${service.toFixed(2)} / ${postgres.toFixed(2)} ms`],
    ["  ceiling from CPU, idle machine", `~${Math.round(ceiling)} /s (${cores} cores)`],
  ];
}

function formatRow(cells: string[]): string {
  const widths = [40, 14, 14, 5];
  return cells.map((cell, index) => cell.padEnd(widths[index]!)).join("  ");
}

async function main(context: BenchContext): Promise<void> {
  const loadBefore = loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");
  const { store, api } = context;
  const service = { url: context.url, child: context.child };
  const scratch = { url: context.databaseUrl };
  const tenant = context.tenant;
  const from = new Date(Date.now() + DAY_MS);
  from.setUTCHours(0, 0, 0, 0);
  let written = 0;
  for (let index = 0; index < SLOTS_HOSTS; index++) {
    const hostId = await seedHost(api, { index, timeZone: "Europe/Berlin", slug: `busy-call-${index}` });
    written += (await seedBusyCache(store, { tenantId: tenant.id, hostId, from })).written;
  }
  const bookingSlugs = Array.from({ length: BOOKING_HOSTS }, (_, index) => `book-${index + 1}`);
  for (const [index, slug] of bookingSlugs.entries())
    await seedHost(api, { index: SLOTS_HOSTS + index, timeZone: "UTC", slug });
  // Contended event types on hosts of their own: a round-robin pool of 4 and a collective pair.
  const poolHosts: string[] = [];
  for (let index = 0; index < 6; index++)
    poolHosts.push(await seedHost(api, { index: SLOTS_HOSTS + BOOKING_HOSTS + index, timeZone: "UTC" }));
  await seedEventType(api, { slug: "rr-pool", hostIds: poolHosts.slice(0, 4), mode: "round-robin" });
  await seedEventType(api, { slug: "team", hostIds: poolHosts.slice(4), mode: "collective" });
  const starts = await Promise.all(
    bookingSlugs.map((slug) => freeSlotStarts(api, { tenantSlug: tenant.slug, eventTypeSlug: slug, from })),
  );
  const [poolStarts, teamStarts] = await Promise.all(
    ["rr-pool", "team"].map((slug) =>
      freeSlotStarts(api, { tenantSlug: tenant.slug, eventTypeSlug: slug, from }),
    ),
  );
  const rangeDays = SLOTS_RANGE_DAYS;
  let distinct = 0;
  /** Another host and another 30-day range on each call: no two URLs alike, so the cache never answers. */
  const uncachedPath = () => {
    const n = distinct++;
    const host = n % SLOTS_HOSTS;
    // The range starts on one of the first 30 days, plus n seconds, and always spans 30 days.
    const start = from.getTime() + (Math.floor(n / SLOTS_HOSTS) % rangeDays) * DAY_MS + n * 1000;
    return (
      `/v1/public/${tenant.slug}/busy-call-${host}/slots?from=${new Date(start).toISOString()}` +
      `&to=${new Date(start + rangeDays * DAY_MS).toISOString()}&timeZone=America/New_York`
    );
  };
  // One request at a time first: the latency without queueing, to tell slow work from an overloaded machine.
  const unloaded: number[] = [];
  let sampleSlots = 0;
  for (let i = 0; i < 41; i++) {
    const started = performance.now();
    const sample = (await (await fetch(`${service.url}${uncachedPath()}`)).json()) as { slots: unknown[] };
    unloaded.push(performance.now() - started);
    sampleSlots = sample.slots.length;
  }
  unloaded.sort((a, b) => a - b);
  const unloadedP50 = unloaded[20]!;
  process.stdout.write(
    `seeded: ${written} busy intervals on ${SLOTS_HOSTS} hosts, ~${sampleSlots} free slots per 30-day range; ` +
      `${starts.flat().length} free slots on ${BOOKING_HOSTS} booking hosts; ${poolStarts!.length} round-robin ` +
      `and ${teamStarts!.length} collective slots to race for\n`,
  );

  const accounting = {
    servicePid: service.child.pid!,
    store,
    database: new URL(scratch.url).pathname.slice(1),
  };
  const uncachedRun = await withCpuAccounting(accounting, () =>
    autocannon({
      url: service.url,
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
      requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: uncachedPath() }) }],
    }),
  );
  const uncached = uncachedRun.result;
  // Context: a booking page asking one range again and again; the slots cache answers all but the first.
  const cachedPath = uncachedPath();
  const cachedRun = await withCpuAccounting(accounting, () =>
    autocannon({
      url: `${service.url}${cachedPath}`,
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
    }),
  );
  const cached = cachedRun.result;
  // The floor: what HTTP alone allows on this machine now (no database, no engine), to read the figures against.
  const floor = await autocannon({
    url: `${service.url}/healthz`,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
  });

  const queue = interleave(
    starts,
    bookingSlugs.map((slug) => `/v1/public/${tenant.slug}/${slug}/bookings`),
  );
  let next = 0;
  const failures = new Map<string, number>();
  const bookingsRun = await withCpuAccounting(accounting, () =>
    autocannon({
      url: service.url,
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
      requests: [
        {
          method: "POST",
          setupRequest: (request) => {
            // Past the end of the list starts repeat and lose with 409: reported as non-2xx below.
            const slot = queue[next % queue.length]!;
            next++;
            return {
              ...request,
              path: slot.path,
              headers: { "content-type": "application/json", "idempotency-key": `bench-booking-${next}` },
              body: JSON.stringify({
                start: slot.start,
                timeZone: "Europe/Berlin",
                name: "Bench Attendee",
                email: `attendee${next}@bench.example`,
              }),
            };
          },
          onResponse: (status, body) => {
            if (status >= 300) failures.set(`${status} ${body.slice(0, 200)}`, status);
          },
        },
      ],
    }),
  );
  const bookings = bookingsRun.result;
  const created = bookings.statusCodeStats["201"]?.count ?? 0;
  const contended = [
    { label: "round-robin (4 hosts)", slug: "rr-pool", starts: poolStarts!, winners: 4 },
    { label: "collective (2 hosts)", slug: "team", starts: teamStarts!, winners: 1 },
  ];
  const contendedRows: Array<[string, string, string?, boolean?]> = [];
  for (const variant of contended) {
    const run = await withCpuAccounting(accounting, () =>
      contendedBookings({
        url: service.url,
        path: `/v1/public/${tenant.slug}/${variant.slug}/bookings`,
        starts: variant.starts,
        label: variant.slug,
      }),
    );
    const { result, asked, unexpected } = run.result;
    // Every 409 is explained by a winner: no slot has fewer winners than it could take while being refused.
    const perSlot = await store.executeSql(
      `select count(*)::int as won from bookings b join event_types e on e.id = b.event_type_id
          where e.slug = $1 and b.status = 'confirmed' group by b.start_at`,
      [variant.slug],
    );
    const wins = perSlot.rows.map((row) => Number(row.won));
    const tooMany = wins.filter((won) => won > variant.winners).length;
    const won = result.statusCodeStats["201"]?.count ?? 0;
    const lost = result.statusCodeStats["409"]?.count ?? 0;
    const other = [...unexpected.values()].reduce((sum, count) => sum + count, 0);
    for (const failure of [...unexpected.keys()].slice(0, 3))
      process.stdout.write(`contended ${variant.slug}: ${failure}\n`);
    contendedRows.push(
      [`bookings contended: ${variant.label}`, `${(won / DURATION_SECONDS).toFixed(0)} won/s`],
      [`  ${RACERS_PER_SLOT} racers per slot, slots asked`, String(asked)],
      ["  201 / 409", `${won} / ${lost}`],
      ["  latency p50 / p99", `${result.latency.p50} / ${result.latency.p99} ms`],
      ["  other non-2xx / errors", `${other} / ${result.errors}`, "0", other === 0 && result.errors === 0],
      [`  slots with > ${variant.winners} winner(s)`, String(tooMany), "0", tooMany === 0],
      ...cpuRows(run, result.requests.total),
    );
  }
  const stored = await store.executeSql(
    "select count(*)::int as n from bookings where status = 'confirmed'",
    [],
  );
  const overlaps = await store.executeSql(
    `select count(*)::int as n from booking_hosts a join booking_hosts b
         on a.booking_id < b.booking_id and a.host_id = b.host_id and a.active and b.active
        and a.blocked && b.blocked`,
    [],
  );

  const bookingsPerSecond = created / DURATION_SECONDS;
  // [measure, figure, target, met]; rows without a target are context.
  const rows: Array<[string, string, string?, boolean?]> = [
    ["floor: GET /healthz", `${Math.round(floor.requests.average)} req/s`, `(p99 ${floor.latency.p99} ms)`],
    [
      `public slots, uncached (${SLOTS_HOSTS} hosts x 500 busy)`,
      `${Math.round(uncached.requests.average)} req/s`,
    ],
    [
      "  one at a time: p50",
      `${unloadedP50.toFixed(1)} ms`,
      `<= ${targets.uncachedSlotsP50Ms} ms`,
      unloadedP50 <= targets.uncachedSlotsP50Ms,
    ],
    ["  latency p50 / p99 (50 conns)", `${uncached.latency.p50} / ${uncached.latency.p99} ms`],
    ["  non-2xx / errors", `${uncached.non2xx} / ${uncached.errors}`, "0", uncached.non2xx === 0],
    ...cpuRows(uncachedRun, uncached.requests.total),
    ["  context: one URL, cached", `${Math.round(cached.requests.average)} req/s`],
    ["    latency p50 / p99", `${cached.latency.p50} / ${cached.latency.p99} ms`],
    ["    non-2xx / errors", `${cached.non2xx} / ${cached.errors}`, "0", cached.non2xx === 0],
    ...cpuRows(cachedRun, cached.requests.total).map(([measure, figure]): [string, string] => [
      `  ${measure}`,
      figure,
    ]),
    [
      "bookings on distinct slots",
      `${bookingsPerSecond.toFixed(0)} /s`,
      `>= ${targets.bookingsPerSecond} /s`,
      bookingsPerSecond >= targets.bookingsPerSecond,
    ],
    ["  201 created", String(created)],
    ["  latency p50 / p99", `${bookings.latency.p50} / ${bookings.latency.p99} ms`],
    ["  non-2xx / errors", `${bookings.non2xx} / ${bookings.errors}`, "0", bookings.non2xx === 0],
    ...cpuRows(bookingsRun, bookings.requests.total),
    ["  status codes", JSON.stringify(bookings.statusCodeStats)],
    ...contendedRows,
    [
      "all bookings: confirmed rows / overlaps",
      `${stored.rows[0]?.n} / ${overlaps.rows[0]?.n}`,
      "0 overlaps",
      overlaps.rows[0]?.n === 0,
    ],
  ];
  const lines = [
    formatRow(["measure", "figure", "target", "met"]),
    ...rows.map(([measure, figure, target, met]) =>
      formatRow([measure, figure, target ?? "", met === undefined ? "" : met ? "yes" : "NO"]),
    ),
  ];
  for (const failure of [...failures.keys()].slice(0, 5))
    process.stdout.write(`booking failure: ${failure}\n`);
  if (next > queue.length)
    process.stdout.write(
      `every one of the ${queue.length} precomputed slots was asked for: the bookings figure is a lower bound\n`,
    );
  process.stdout.write(
    `\n${CONNECTIONS} connections, ${DURATION_SECONDS} s per run, loopback, PostgreSQL; ` +
      `load average before: ${loadBefore}\n${lines.join("\n")}\n`,
  );
}

await withBenchService(main);
