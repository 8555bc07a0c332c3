import { describe, expect, it } from "vitest";
import { type AvailabilityChange, createSlotsCache } from "./slots-cache.ts";

describe("slots cache", () => {
  it("serves entries until they expire or their tenant changes", () => {
    let clock = 1000;
    const cache = createSlotsCache({ ttlMs: 500, maxEntries: 10, now: () => clock });
    cache.set("a", { tenantId: "t1" }, cache.ticket(), { slots: [1] });
    cache.set("b", { tenantId: "t2" }, cache.ticket(), { slots: [2] });
    expect(cache.get("a")).toEqual({ slots: [1] });
    cache.invalidate({ tenantId: "t1" });
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toEqual({ slots: [2] });
    cache.set("a", { tenantId: "t1" }, cache.ticket(), { slots: [3] });
    expect(cache.get("a")).toEqual({ slots: [3] });
    clock += 500;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBeUndefined();
  });

  it("drops only the answers of the host whose availability changed", () => {
    const cache = createSlotsCache({ ttlMs: 10_000, maxEntries: 10 });
    cache.set("alice", { tenantId: "t", hostIds: ["A"] }, cache.ticket(), 1);
    cache.set("bob", { tenantId: "t", hostIds: ["B"] }, cache.ticket(), 2);
    cache.set("pool", { tenantId: "t", hostIds: ["A", "B"] }, cache.ticket(), 3);
    cache.invalidate({ tenantId: "t", hostIds: ["A"] });
    expect([cache.get("alice"), cache.get("bob"), cache.get("pool")]).toEqual([undefined, 2, undefined]);
    // A tenant-wide change drops the host-scoped answers too.
    cache.invalidate({ tenantId: "t" });
    expect(cache.get("bob")).toBeUndefined();
  });

  it("does not keep an answer whose reads raced a change", () => {
    const cache = createSlotsCache({ ttlMs: 10_000, maxEntries: 10 });
    const ticket = cache.ticket();
    // The answer was being computed when the host was booked (here, or in another process).
    cache.apply({ tenantId: "t", hostIds: ["A"] });
    cache.set("alice", { tenantId: "t", hostIds: ["A"] }, ticket, "stale");
    expect(cache.get("alice")).toBeUndefined();
  });

  it("broadcasts its own changes and applies others' without echoing them", () => {
    const sent: AvailabilityChange[] = [];
    const cache = createSlotsCache({
      ttlMs: 10_000,
      maxEntries: 10,
      broadcast: (change) => sent.push(change),
    });
    cache.set("alice", { tenantId: "t", hostIds: ["A"] }, cache.ticket(), 1);
    cache.invalidate({ tenantId: "t", hostIds: ["B"] });
    expect(sent).toEqual([{ tenantId: "t", hostIds: ["B"] }]);
    cache.apply({ tenantId: "t", hostIds: ["A"] });
    expect(sent).toHaveLength(1);
    expect(cache.get("alice")).toBeUndefined();
    cache.set("alice", { tenantId: "t", hostIds: ["A"] }, cache.ticket(), 2);
    cache.apply("all");
    expect(cache.get("alice")).toBeUndefined();
  });

  it("evicts the oldest entry when full", () => {
    const cache = createSlotsCache({ ttlMs: 10_000, maxEntries: 2 });
    for (const [key, value] of [
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ] as const)
      cache.set(key, { tenantId: "t" }, cache.ticket(), value);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, 2, 3]);
  });

  it("forgets tracked changes past its bound by treating every older answer as stale", () => {
    const cache = createSlotsCache({ ttlMs: 10_000, maxEntries: 1 });
    cache.set("a", { tenantId: "t", hostIds: ["A"] }, cache.ticket(), 1);
    for (let n = 0; n < 25; n++) cache.invalidate({ tenantId: "t", hostIds: [`other-${n}`] });
    expect(cache.get("a")).toBeUndefined();
    cache.set("a", { tenantId: "t", hostIds: ["A"] }, cache.ticket(), 2);
    expect(cache.get("a")).toBe(2);
  });
});
