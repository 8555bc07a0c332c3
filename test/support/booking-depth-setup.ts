import type { FastifyInstance } from "fastify";
import { expect } from "vitest";

/** A host working weekdays 09:00-17:00 UTC and an event type of it, through the tenant API (booking-depth tests). */
export async function createHostAndEventType(
  app: FastifyInstance,
  auth: { authorization: string },
  eventType: Record<string, unknown>,
  options: { hosts?: number } = {},
): Promise<{ hostIds: string[]; eventTypeId: string }> {
  const hostIds: string[] = [];
  for (let index = 0; index < (options.hosts ?? 1); index++) {
    const host = await app.inject({
      method: "POST",
      url: "/v1/hosts",
      headers: auth,
      payload: { name: `Host ${index + 1}`, timeZone: "UTC" },
    });
    expect(host.statusCode).toBe(201);
    hostIds.push(host.json().id);
    const schedule = await app.inject({
      method: "POST",
      url: `/v1/hosts/${host.json().id}/schedules`,
      headers: auth,
      payload: {
        timeZone: "UTC",
        weekly: Object.fromEntries(
          ["mon", "tue", "wed", "thu", "fri"].map((day) => [day, [["09:00", "17:00"]]]),
        ),
      },
    });
    expect(schedule.statusCode).toBe(201);
  }
  const created = await app.inject({
    method: "POST",
    url: "/v1/event-types",
    headers: auth,
    payload: { title: "Session", durations: [60], hostIds, ...eventType },
  });
  expect(created.statusCode, created.body).toBe(201);
  return { hostIds, eventTypeId: created.json().id };
}

export function attendee(index: number) {
  return { timeZone: "UTC", name: `Visitor ${index}`, email: `visitor${index}@example.com` };
}
