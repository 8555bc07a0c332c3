import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../seeded-random.ts";
import {
  chooseRoundRobinHost,
  type RoundRobinCandidate,
  type RoundRobinSettings,
  roundRobinSchema,
} from "./round-robin.ts";

const DAY = 86_400_000;

/**
 * Books `bookings` times, 100 a day, each among the hosts free at that moment (each free with `freeChance`),
 * counting every host's bookings over the settings' rolling window as the service does. Answers bookings per host.
 */
function simulate(params: {
  hosts: string[];
  settings: RoundRobinSettings | null;
  bookings: number;
  freeChance: number;
  seed: number;
}): Map<string, number> {
  const next = createSeededRandom(params.seed);
  const windowMs = (params.settings?.windowDays ?? 30) * DAY;
  const history = new Map<string, number[]>(params.hosts.map((host) => [id(host), []]));
  const totals = new Map<string, number>(params.hosts.map((host) => [id(host), 0]));
  for (let index = 0; index < params.bookings; index++) {
    const now = (index / 100) * DAY;
    const free = params.hosts.filter(() => next() < params.freeChance).map(id);
    const candidates: RoundRobinCandidate[] = free.map((hostId) => {
      const times = history.get(hostId)!.filter((at) => at > now - windowMs);
      return { hostId, count: times.length, lastBookedMs: times.at(-1) };
    });
    const chosen = chooseRoundRobinHost(candidates, params.settings);
    if (chosen === undefined) continue;
    history.get(chosen)!.push(now);
    totals.set(chosen, totals.get(chosen)! + 1);
  }
  return totals;
}

/** Host ids are UUIDs: "a" stands for 00000000-0000-4000-8000-000000000061. */
const id = (letter: string) => `00000000-0000-4000-8000-0000000000${letter.charCodeAt(0).toString(16)}`;
const settingsOf = (hosts: Record<string, { weight: number; priority?: number }>, windowDays = 30) =>
  roundRobinSchema.parse({
    windowDays,
    hosts: Object.fromEntries(Object.entries(hosts).map(([letter, value]) => [id(letter), value])),
  });

describe("fair round-robin", () => {
  it("gives each host its weight's share of 10,000 bookings when everyone is free (within one booking)", () => {
    const settings = settingsOf(
      { a: { weight: 1 }, b: { weight: 2 }, c: { weight: 3 }, d: { weight: 4 } },
      365,
    );
    const totals = simulate({
      hosts: ["a", "b", "c", "d"],
      settings,
      bookings: 10_000,
      freeChance: 1,
      seed: 1,
    });
    expect([...totals.values()].reduce((sum, count) => sum + count, 0)).toBe(10_000);
    for (const [host, weight] of Object.entries({ a: 1, b: 2, c: 3, d: 4 })) {
      expect(Math.abs(totals.get(id(host))! - (10_000 * weight) / 10)).toBeLessThanOrEqual(1);
    }
  });

  it("keeps shares close to the weights over 10,000 bookings when hosts are often busy (rolling window)", () => {
    const weights = { a: 1, b: 2, c: 1, d: 0.5 };
    const settings = settingsOf(
      Object.fromEntries(Object.entries(weights).map(([h, weight]) => [h, { weight }])),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const totals = simulate({
          hosts: Object.keys(weights),
          settings,
          bookings: 10_000,
          freeChance: 0.7,
          seed,
        });
        const booked = [...totals.values()].reduce((sum, count) => sum + count, 0);
        for (const [host, weight] of Object.entries(weights)) {
          expect(Math.abs(totals.get(id(host))! / booked - weight / 4.5)).toBeLessThan(0.02);
        }
      }),
      { numRuns: 5 },
    );
  });

  it("always gives the booking to a free host of the highest priority, and to weight 0 only when no other is free", () => {
    const candidate = fc.record({
      hostId: fc.constantFrom("a", "b", "c", "d", "e"),
      count: fc.integer({ min: 0, max: 50 }),
      lastBookedMs: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined }),
    });
    const hostSettings = fc.record({
      weight: fc.constantFrom(0, 0.5, 1, 2, 5),
      priority: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(candidate, { selector: (entry) => entry.hostId, minLength: 1 }),
        fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e"), hostSettings),
        (candidates, hosts) => {
          const settings = settingsOf(hosts);
          const chosen = chooseRoundRobinHost(
            candidates.map((entry) => ({ ...entry, hostId: id(entry.hostId) })),
            settings,
          )!;
          const of = (hostId: string) => settings.hosts[hostId] ?? { weight: 1, priority: 0 };
          const top = Math.max(...candidates.map((entry) => of(id(entry.hostId)).priority));
          expect(of(chosen).priority).toBe(top);
          const weightedAtTop = candidates.some(
            (entry) => of(id(entry.hostId)).priority === top && of(id(entry.hostId)).weight > 0,
          );
          if (weightedAtTop) expect(of(chosen).weight).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("without settings picks the host booked least recently, never-booked hosts first", () => {
    const candidates: RoundRobinCandidate[] = [
      { hostId: "a", count: 3, lastBookedMs: 500 },
      { hostId: "b", count: 9, lastBookedMs: 100 },
      { hostId: "c", count: 0, lastBookedMs: undefined },
    ];
    expect(chooseRoundRobinHost(candidates, null)).toBe("c");
    expect(chooseRoundRobinHost(candidates.slice(0, 2), null)).toBe("b");
    expect(chooseRoundRobinHost([], null)).toBeUndefined();
  });

  it("refuses a negative weight with a message", () => {
    const parsed = roundRobinSchema.safeParse({
      hosts: { "00000000-0000-4000-8000-000000000001": { weight: -1 } },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe("a weight must be 0 or more");
  });
});
