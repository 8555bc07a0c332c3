import type { Store } from "../../src/store/database.ts";
import { newId, type TenantId } from "../../src/store/ids.ts";
import type { BenchContext } from "./bench-service.ts";

type Api = BenchContext["api"];

/**
 * `hosts` hosts (Mon-Fri 09:00-17:00 Europe/Berlin) and an event type over them, through the API; `busyPerHost`
 * busy rows each straight into the busy cache (as a sync leaves them), spread over `rangeDays` from `from`.
 */
export async function seedPool(
  store: Store,
  api: Api,
  shape: {
    tenantId: TenantId;
    slug: string;
    label: string;
    hosts: number;
    busyPerHost: number;
    from: Date;
    rangeDays: number;
    mode?: "single" | "round-robin" | "collective";
  },
): Promise<string[]> {
  const { tenantId, from } = shape;
  const hostIds: string[] = [];
  const workday: string[][] = [["09:00", "17:00"]];
  for (let index = 0; index < shape.hosts; index++) {
    const host = await api.POST("/v1/hosts", {
      body: { name: `${shape.slug} ${index}`, timeZone: "Europe/Berlin" },
    });
    if (!host.data) throw new Error(`host: ${JSON.stringify(host.error)}`);
    const hostId = host.data.id;
    hostIds.push(hostId);
    const schedule = await api.POST("/v1/hosts/{hostId}/schedules", {
      params: { path: { hostId } },
      body: {
        timeZone: "Europe/Berlin",
        weekly: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday },
      },
    });
    if (!schedule.data) throw new Error(`schedule: ${JSON.stringify(schedule.error)}`);
    const connectionId = newId();
    await store.executeSql(
      `insert into calendar_connections (id, tenant_id, host_id, provider, display_name)
       values ($1, $2, $3, 'ics', 'Bench feed')`,
      [connectionId, tenantId, hostId],
    );
    // Intervals of 15-60 minutes at all hours, spread evenly over the range (strides coprime to 96 and 4).
    await store.executeSql(
      `insert into busy_intervals (id, tenant_id, host_id, connection_id, calendar_ref, start_at, end_at, status,
                                   source_ref)
       select gen_random_uuid(), $1, $2, $3, 'bench', s, s + make_interval(mins => 15 * (1 + (n * 3) % 4)), 'busy',
              'bench-' || n
         from generate_series(0, $4::int - 1) as n,
              lateral (select $5::timestamptz + make_interval(days => (n * $6::int) / $4::int)
                              + make_interval(mins => 15 * ((n * 37) % 96)) as s) as start`,
      [tenantId, hostId, connectionId, shape.busyPerHost, from.toISOString(), shape.rangeDays],
    );
  }
  await store.executeSql("analyze busy_intervals", []);
  const eventType = await api.POST("/v1/event-types", {
    body: {
      slug: shape.slug,
      title: shape.label,
      durations: [30],
      hostIds,
      mode: shape.mode ?? (shape.hosts > 1 ? "round-robin" : "single"),
      rules: { horizon: { type: "rolling", days: 400 } },
    },
  });
  if (!eventType.data) throw new Error(`event type: ${JSON.stringify(eventType.error)}`);
  return hostIds;
}
