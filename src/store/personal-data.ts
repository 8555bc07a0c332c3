import { sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import type { ErasureMode } from "./tenants-repository.ts";

/**
 * Erasure in the database (GDPR art. 17). What an erased person leaves behind is ids and times: the placeholders
 * below replace names and addresses, free text (answers, cancel reasons, locations) is cleared, and the webhook
 * deliveries that carried the person's data are deleted (their payloads are copies of it), and so are the reminders
 * addressed to them.
 */
export const ERASED_NAME = "Erased";
export const ERASED_EMAIL = "erased@erased.invalid";

const anonymise = sql`update bookings set attendee_name = ${ERASED_NAME}, attendee_email = ${ERASED_EMAIL},
  answers = '{}'::jsonb, cancel_reason = null, location = null, idempotency_key = null, request_hash = null,
  updated_at = now()`;

const rowsOf = (result: unknown): Array<Record<string, unknown>> =>
  Array.isArray(result) ? result : ((result as { rows: Array<Record<string, unknown>> }).rows ?? []);

/**
 * The host's row and everything hanging off it (schedules, connections with their tokens, busy cache, sync states,
 * feeds, OAuth states, calendar writes: foreign keys cascade), and the bookings only this host took, anonymised or
 * deleted. Bookings shared with other hosts stay theirs (the erased host's link to them goes).
 */
export async function eraseHostData(
  tx: Database,
  params: { tenantId: TenantId; hostId: HostId; email: string | null; mode: ErasureMode },
): Promise<{ bookingsAnonymised: number; bookingsDeleted: number }> {
  const { tenantId, hostId } = params;
  const own = sql`select bh.booking_id from booking_hosts bh
    where bh.tenant_id = ${tenantId} and bh.host_id = ${hostId}
      and not exists (select 1 from booking_hosts o where o.booking_id = bh.booking_id and o.host_id <> ${hostId})`;
  await tx.execute(sql`
    delete from webhook_deliveries where tenant_id = ${tenantId} and (
      strpos(payload::text, ${hostId}) > 0
      or (${params.email}::text is not null and strpos(lower(payload::text), lower(${params.email}::text)) > 0)
      or payload->'data'->'booking'->>'id' in (select booking_id::text from (${own}) as own))`);
  // Reminder rows name their recipient: the host's own, and every one of the bookings about to lose their attendee.
  await tx.execute(sql`
    delete from reminders where tenant_id = ${tenantId} and (
      subject_id in (${own})
      or (${params.email}::text is not null and recipient = lower(${params.email}::text)))`);
  let bookingsAnonymised = 0;
  let bookingsDeleted = 0;
  if (params.mode === "delete") {
    bookingsDeleted = rowsOf(
      await tx.execute(sql`delete from bookings where id in (${own}) returning id`),
    ).length;
  } else {
    bookingsAnonymised = rowsOf(await tx.execute(sql`${anonymise} where id in (${own}) returning id`)).length;
  }
  await tx.execute(sql`delete from hosts where tenant_id = ${tenantId} and id = ${hostId}`);
  return { bookingsAnonymised, bookingsDeleted };
}

/**
 * An attendee's bookings across the tenant, anonymised, and their entries in its managed events; the webhook
 * deliveries that named them are deleted.
 */
export async function eraseAttendeeData(
  tx: Database,
  params: { tenantId: TenantId; email: string },
): Promise<{ bookingsAnonymised: number }> {
  const email = params.email.trim().toLowerCase();
  await tx.execute(sql`
    delete from webhook_deliveries
    where tenant_id = ${params.tenantId} and strpos(lower(payload::text), ${email}) > 0`);
  await tx.execute(sql`delete from reminders where tenant_id = ${params.tenantId} and recipient = ${email}`);
  const rows = rowsOf(
    await tx.execute(
      sql`${anonymise} where tenant_id = ${params.tenantId} and lower(attendee_email) = ${email} returning id`,
    ),
  );
  // The tenant's managed events (issue #18) list attendees too: the person's entry keeps its place (and any other
  // keys) with the placeholders instead of their name and address.
  await tx.execute(sql`
    update managed_events set updated_at = now(), attendees = (
      select coalesce(jsonb_agg(case when lower(a->>'email') = ${email}
        then a || jsonb_build_object('name', ${ERASED_NAME}::text, 'email', ${ERASED_EMAIL}::text) else a end
        order by n), '[]'::jsonb)
      from jsonb_array_elements(attendees) with ordinality as e(a, n))
    where tenant_id = ${params.tenantId}
      and exists (select 1 from jsonb_array_elements(attendees) a where lower(a->>'email') = ${email})`);
  return { bookingsAnonymised: rows.length };
}
