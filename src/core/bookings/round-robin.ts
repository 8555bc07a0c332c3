import { z } from "zod";

/**
 * Fair round-robin: which free host gets a booking. Without settings, the host booked least recently (never booked
 * first). With settings, a higher priority always wins among the free hosts; within a priority, each host's share is
 * its weight: the host furthest below its share of the bookings counted over the rolling window gets the booking
 * (ties: least recently booked, then the event type's host order). A host with weight 0 is chosen only when no
 * free host of its priority has a weight. Pure.
 */
export const roundRobinSchema = z
  .object({
    windowDays: z
      .number()
      .int()
      .min(1, "roundRobin.windowDays must be at least 1")
      .max(365, "roundRobin.windowDays may be at most 365")
      .default(30)
      .meta({ description: "How many days back bookings are counted (rolling window)" }),
    hosts: z
      .record(
        z.guid({ message: "roundRobin.hosts keys are host ids" }),
        z
          .object({
            weight: z
              .number()
              .min(0, "a weight must be 0 or more")
              .max(1000, "a weight may be at most 1000")
              .default(1),
            priority: z.number().int().min(0).max(100, "a priority may be at most 100").default(0),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

export type RoundRobinSettings = z.infer<typeof roundRobinSchema>;

export interface RoundRobinCandidate {
  hostId: string;
  /** Bookings of this event type the host got within the window. */
  count: number;
  /** When the host was last booked for the event type (epoch ms; undefined: never). */
  lastBookedMs: number | undefined;
}

/** The host that gets the booking among the free `candidates` (given in the event type's host order). */
export function chooseRoundRobinHost(
  candidates: readonly RoundRobinCandidate[],
  settings: RoundRobinSettings | null | undefined,
): string | undefined {
  if (candidates.length === 0) return undefined;
  const last = (candidate: RoundRobinCandidate) => candidate.lastBookedMs ?? Number.NEGATIVE_INFINITY;
  if (!settings) {
    return [...candidates].sort((a, b) => last(a) - last(b))[0]!.hostId;
  }
  const of = (hostId: string) => settings.hosts[hostId] ?? { weight: 1, priority: 0 };
  const top = Math.max(...candidates.map((candidate) => of(candidate.hostId).priority));
  const tier = candidates.filter((candidate) => of(candidate.hostId).priority === top);
  const weighted = tier.filter((candidate) => of(candidate.hostId).weight > 0);
  const pool = weighted.length > 0 ? weighted : tier;
  const totalWeight = pool.reduce((sum, candidate) => sum + of(candidate.hostId).weight, 0);
  const totalCount = pool.reduce((sum, candidate) => sum + candidate.count, 0);
  // Deficit: how far a host is below its share once this booking is counted (largest first).
  const deficit = (candidate: RoundRobinCandidate) =>
    totalWeight === 0
      ? -candidate.count
      : ((totalCount + 1) * of(candidate.hostId).weight) / totalWeight - candidate.count;
  let best = pool[0]!;
  for (const candidate of pool.slice(1)) {
    const difference = deficit(candidate) - deficit(best);
    if (difference > 1e-9 || (Math.abs(difference) <= 1e-9 && last(candidate) < last(best))) best = candidate;
  }
  return best.hostId;
}
