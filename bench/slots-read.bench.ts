/**
 * `npm run bench:slots-read`: issue 13 item 1, one uncached public slots request at a time over real HTTP against
 * PostgreSQL, for the three pool shapes the issue names (targets are p50 on this machine):
 *
 * - 1 host with 500 busy intervals in a 30-day range (2 ms),
 * - a round-robin event type over 100 hosts with 500 busy intervals each (15 ms),
 * - 1 host with 50,000 busy rows in range (25 ms),
 *
 * plus the `/healthz` floor (the HTTP round trip alone) measured the same way, to read the figures against the
 * machine's state. Every request asks another 30-day range (shifted by whole seconds), so the slots cache never
 * answers. Busy rows are written straight into the busy cache (as a calendar sync leaves them, not staged).
 */

import { loadavg } from "node:os";
import type { Store } from "../src/store/database.ts";
import { loadHostAvailability } from "../src/store/host-availability.ts";
import type { HostId, TenantId } from "../src/store/ids.ts";
import { type BenchContext, percentiles, withBenchService } from "./support/bench-service.ts";
import { seedPool } from "./support/seed-pool.ts";

const DAY_MS = 86_400_000;
const RANGE_DAYS = 30;
const SAMPLES = 101;

interface Shape {
  label: string;
  slug: string;
  hosts: number;
  busyPerHost: number;
  targetP50Ms: number;
}

const shapes: Shape[] = [
  { label: "1 host x 500 busy", slug: "one", hosts: 1, busyPerHost: 500, targetP50Ms: 2 },
  {
    label: "100 hosts x 500 busy (round-robin)",
    slug: "pool",
    hosts: 100,
    busyPerHost: 500,
    targetP50Ms: 15,
  },
  { label: "1 host x 50,000 busy in range", slug: "heavy", hosts: 1, busyPerHost: 50_000, targetP50Ms: 25 },
];

async function sequential(url: () => string): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const response = await fetch(url());
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${response.status} from ${url()}`);
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

async function main(context: BenchContext): Promise<void> {
  const { store, api, tenant, url: serviceUrl } = context;
  const from = new Date(Date.now() + DAY_MS);
  from.setUTCHours(0, 0, 0, 0);
  for (const shape of shapes)
    await seedPool(store, api, { tenantId: tenant.id, ...shape, from, rangeDays: RANGE_DAYS });
  process.stdout.write(
    `load average before: ${loadavg()
      .map((v) => v.toFixed(1))
      .join(" ")}\n`,
  );
  const lines: string[] = [];
  const floor = await sequential(() => `${serviceUrl}/healthz`);
  lines.push(row("floor: GET /healthz", floor, undefined));
  for (const shape of shapes) {
    let n = 0;
    const url = () => {
      const start = from.getTime() + ++n * 1000;
      return (
        `${serviceUrl}/v1/public/${tenant.slug}/${shape.slug}/slots?from=${new Date(start).toISOString()}` +
        `&to=${new Date(start + RANGE_DAYS * DAY_MS - 60_000).toISOString()}&timeZone=America/New_York`
      );
    };
    // Warm-up: the prepared statement, the JIT.
    for (let i = 0; i < 5; i++) await (await fetch(url())).arrayBuffer();
    lines.push(row(shape.label, await sequential(url), shape.targetP50Ms));
    lines.push(
      row("  of which the availability read", await readAlone(store, tenant.id, shape, from), undefined),
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** The availability read alone (in this process, on its own pool): what the query and its parsing cost. */
async function readAlone(store: Store, tenantId: TenantId, shape: Shape, from: Date) {
  const rows = await store.executeSql(
    `select h.host_id from event_type_hosts h join event_types e on e.id = h.event_type_id
      where e.tenant_id = $1 and e.slug = $2 order by h.position`,
    [tenantId, shape.slug],
  );
  const hostIds = rows.rows.map((r) => r.host_id as HostId);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES + 5; i++) {
    const start = new Date(from.getTime() + i * 1000);
    const started = performance.now();
    await loadHostAvailability(store.db, {
      tenantId,
      hostIds,
      from: start,
      to: new Date(start.getTime() + RANGE_DAYS * DAY_MS),
    });
    if (i >= 5) samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

function row(label: string, figures: { p50: number; p99: number }, target: number | undefined): string {
  const met = target === undefined ? "" : figures.p50 <= target ? "met" : "NOT met";
  return [
    label.padEnd(40),
    `p50 ${figures.p50.toFixed(1)} ms`.padEnd(14),
    `p99 ${figures.p99.toFixed(1)} ms`.padEnd(14),
    target === undefined ? "" : `target ${target} ms ${met}`,
  ].join("  ");
}

// An api process: no job runs beside the measurement (the seeded connections have no feed to poll).
await withBenchService(main, { args: ["--role", "api"] });
