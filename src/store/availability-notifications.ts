import { randomUUID } from "node:crypto";
import pg from "pg";
import { z } from "zod";
import type { SqlExecutor } from "./database.ts";

/**
 * Availability changes between processes over PostgreSQL LISTEN/NOTIFY: no extra service, and a notification is
 * delivered when the sender's statement commits (a few milliseconds), so a slot booked through one process leaves
 * the others' cached answers at once. Every process listens on one connection of its own.
 */
const CHANNEL = "calbridge_availability";
// NOTIFY payloads are limited to 8000 bytes; a change naming more hosts than fit is sent as tenant-wide.
const MAX_PAYLOAD = 7_900;

export interface AvailabilityNotice {
  tenantId: string;
  hostIds?: readonly string[];
}

const payloadSchema = z.object({
  origin: z.string(),
  tenantId: z.string(),
  hostIds: z.array(z.string()).optional(),
});

/** This process's name in notifications, so that it skips its own. */
const origin = randomUUID();

export function encodeNotice(notice: AvailabilityNotice): string {
  const full = JSON.stringify({ origin, ...notice });
  return full.length <= MAX_PAYLOAD ? full : JSON.stringify({ origin, tenantId: notice.tenantId });
}

export async function notifyAvailabilityChanged(db: SqlExecutor, notice: AvailabilityNotice): Promise<void> {
  await db.executeSql("select pg_notify($1, $2)", [CHANNEL, encodeNotice(notice)]);
}

export interface AvailabilityListener {
  close(): Promise<void>;
}

/**
 * Listens until closed, reconnecting after a lost connection; notifications sent while it was away are lost, so
 * `onMissed` is told after each reconnect (the cache then drops everything).
 */
export async function listenForAvailabilityChanges(params: {
  databaseUrl: string;
  onChange(notice: AvailabilityNotice): void;
  onMissed(): void;
  onError(error: Error): void;
}): Promise<AvailabilityListener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: params.databaseUrl,
      application_name: "calbridge-listen",
    });
    next.on("notification", (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      let json: unknown;
      try {
        json = JSON.parse(message.payload);
      } catch {
        return;
      }
      const parsed = payloadSchema.safeParse(json);
      if (!parsed.success || parsed.data.origin === origin) return;
      const { tenantId, hostIds } = parsed.data;
      params.onChange(hostIds ? { tenantId, hostIds } : { tenantId });
    });
    const lost = (error?: Error) => {
      if (closed || client !== next) return;
      client = undefined;
      if (error) params.onError(error);
      void next.end().catch(() => undefined);
      retry = setTimeout(() => void reconnect(), 1_000);
    };
    next.on("error", lost);
    next.on("end", () => lost());
    await next.connect();
    await next.query(`listen ${CHANNEL}`);
    client = next;
  };

  const reconnect = async (): Promise<void> => {
    if (closed) return;
    try {
      await connect();
      params.onMissed();
    } catch (error) {
      params.onError(error as Error);
      retry = setTimeout(() => void reconnect(), 1_000);
    }
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}
