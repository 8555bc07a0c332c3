import { describe, expect, it } from "vitest";
import { createSlotsCache } from "./slots-cache.ts";

describe("slots cache", () => {
  it("serves entries until they expire or their tenant changes", () => {
    let clock = 1000;
    const cache = createSlotsCache({ ttlMs: 500, maxEntries: 10, now: () => clock });
    cache.set("a", "t1", { slots: [1] });
    cache.set("b", "t2", { slots: [2] });
    expect(cache.get("a")).toEqual({ slots: [1] });
    cache.invalidateTenant("t1");
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toEqual({ slots: [2] });
    cache.set("a", "t1", { slots: [3] });
    expect(cache.get("a")).toEqual({ slots: [3] });
    clock += 500;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBeUndefined();
  });

  it("evicts the oldest entry when full", () => {
    const cache = createSlotsCache({ ttlMs: 10_000, maxEntries: 2 });
    cache.set("a", "t", 1);
    cache.set("b", "t", 2);
    cache.set("c", "t", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, 2, 3]);
  });
});
