import { describe, expect, it } from "vitest";
import { contrast, DEFAULT_BRAND, readableOnWhite } from "./brand.ts";

describe("brand colours", () => {
  it("keeps a dark enough colour and darkens a light one until text reads at 4.5:1 (AA)", () => {
    expect(readableOnWhite("#1e3a8a")).toBe("#1e3a8a");
    for (const brand of ["#0e9f6e", "#facc15", "#ffffff", "#f97316", DEFAULT_BRAND]) {
      const text = readableOnWhite(brand);
      expect(contrast(text, "#ffffff"), brand).toBeGreaterThanOrEqual(4.5);
    }
  });
});
