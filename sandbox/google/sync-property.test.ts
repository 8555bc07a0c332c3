import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALICE, DENTIST, YOGA } from "./test-accounts.ts";
import { useGoogleSandbox } from "./test-fixture.ts";
import { loginForTests } from "./test-login.ts";

/**
 * Property: a client that keeps a mirror from one full sync plus incremental syncs (any page size,
 * upsert by id, drop cancelled) ends up with exactly what a fresh full listing shows, whatever mix of
 * inserts, patches, deletions, instance edits and outside changes happened in between.
 */

const fixture = useGoogleSandbox({ reset: "never" });

interface Item {
  id: string;
  etag: string;
  status?: string;
}
interface Page {
  items: Item[];
  nextPageToken?: string;
  nextSyncToken?: string;
}

type Operation =
  | { kind: "insert"; day: number }
  | { kind: "patch"; target: number; summary: string }
  | { kind: "delete"; target: number }
  | { kind: "editInstance"; week: number }
  | { kind: "deleteInstance"; week: number }
  | { kind: "outside"; summary: string };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), day: fc.integer({ min: 1, max: 28 }) }),
  fc.record({ kind: fc.constant("patch" as const), target: fc.nat(), summary: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("delete" as const), target: fc.nat() }),
  fc.record({ kind: fc.constant("editInstance" as const), week: fc.integer({ min: 5, max: 11 }) }),
  fc.record({ kind: fc.constant("deleteInstance" as const), week: fc.integer({ min: 5, max: 11 }) }),
  fc.record({ kind: fc.constant("outside" as const), summary: fc.string({ maxLength: 8 }) }),
);

describe("incremental sync property", () => {
  it("mirror built from syncToken pages equals a fresh full sync", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(operation, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 7 }),
        async (rounds, pageSize) => {
          await fixture.admin("reset");
          const { accessToken } = await loginForTests({ url: fixture.url, account: ALICE });
          const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
            const response = await fetch(`${fixture.url}/calendar/v3/calendars/primary/${path}`, {
              method,
              headers: {
                authorization: `Bearer ${accessToken}`,
                ...(body ? { "content-type": "application/json" } : {}),
              },
              ...(body ? { body: JSON.stringify(body) } : {}),
            });
            if (response.status >= 500) throw new Error(`${method} ${path}: ${response.status}`);
            return response;
          };
          const listAll = async (query: string): Promise<{ items: Item[]; token: string }> => {
            const items: Item[] = [];
            let pageToken = "";
            for (;;) {
              const page = (await (
                await api("GET", `events?maxResults=${pageSize}${query}${pageToken}`)
              ).json()) as Page;
              items.push(...page.items);
              if (page.nextSyncToken) return { items, token: page.nextSyncToken };
              pageToken = `&pageToken=${encodeURIComponent(page.nextPageToken!)}`;
            }
          };
          const first = await listAll("");
          const mirror = new Map(first.items.map((item) => [item.id, item.etag]));
          let token = first.token;
          const created: string[] = [DENTIST];
          for (const round of rounds) {
            for (const op of round) {
              if (op.kind === "insert") {
                const day = String(op.day).padStart(2, "0");
                const response = await api("POST", "events", {
                  summary: "new",
                  start: { dateTime: `2030-03-${day}T10:00:00Z` },
                  end: { dateTime: `2030-03-${day}T11:00:00Z` },
                });
                created.push(((await response.json()) as Item).id);
              } else if (op.kind === "patch")
                await api("PATCH", `events/${created[op.target % created.length]}`, { summary: op.summary });
              else if (op.kind === "delete")
                await api("DELETE", `events/${created[op.target % created.length]}`);
              else if (op.kind === "editInstance")
                await api("PATCH", `events/${YOGA}_${instanceKey(op.week)}`, { summary: "edited" });
              else if (op.kind === "deleteInstance")
                await api("DELETE", `events/${YOGA}_${instanceKey(op.week)}`);
              else
                await fixture.admin("events/change", {
                  account: ALICE,
                  eventId: created.at(-1) ?? DENTIST,
                  patch: { summary: op.summary },
                });
            }
            const changes = await listAll(`&syncToken=${encodeURIComponent(token)}`);
            for (const item of changes.items) {
              if (item.status === "cancelled") mirror.delete(item.id);
              else mirror.set(item.id, item.etag);
            }
            token = changes.token;
            const fresh = await listAll("");
            expect(new Map(fresh.items.map((item) => [item.id, item.etag]))).toEqual(mirror);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

/** Yoga instances are Mondays 18:00 Berlin from 2030-01-07: 17:00Z until the DST change of 31 March. */
function instanceKey(week: number): string {
  const date = new Date(Date.UTC(2030, 0, 7 + 7 * week, 17));
  return `${date.toISOString().slice(0, 10).replace(/-/g, "")}T170000Z`;
}
