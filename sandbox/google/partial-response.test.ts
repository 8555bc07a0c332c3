import { describe, expect, it } from "vitest";
import { applyFields, parseFields } from "./partial-response.ts";

describe("partial response (fields)", () => {
  const page = {
    kind: "calendar#events",
    nextSyncToken: "t",
    items: [
      { id: "a", status: "confirmed", start: { dateTime: "x", timeZone: "UTC" }, summary: "A" },
      { id: "b", status: "cancelled" },
    ],
  };

  it("selects nested fields inside arrays with paths and groups", () => {
    expect(applyFields(page, parseFields("items(id,start/dateTime),nextSyncToken"))).toEqual({
      nextSyncToken: "t",
      items: [{ id: "a", start: { dateTime: "x" } }, { id: "b" }],
    });
  });

  it("merges repeated selections and honours *", () => {
    expect(applyFields(page, parseFields("items/id,items/status,kind"))).toEqual({
      kind: "calendar#events",
      items: [
        { id: "a", status: "confirmed" },
        { id: "b", status: "cancelled" },
      ],
    });
    expect(applyFields(page, parseFields("*"))).toEqual(page);
  });

  it("rejects malformed selections", () => {
    expect(() => parseFields("items(id")).toThrow();
    expect(() => parseFields("items,,id")).toThrow();
  });
});
