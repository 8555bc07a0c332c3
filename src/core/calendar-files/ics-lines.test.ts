import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeIcsText, foldIcsLine, formatIcsParamValue, icsLine } from "./ics-lines.ts";

describe("foldIcsLine", () => {
  it("keeps every physical line within 75 octets and unfolds to the original (RFC 5545 §3.1)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (text) => {
        const line = `DESCRIPTION:${text.replace(/[\r\n]/g, "")}`;
        const folded = foldIcsLine(line);
        for (const part of folded.split("\r\n")) {
          expect(new TextEncoder().encode(part).length).toBeLessThanOrEqual(75);
        }
        expect(folded.replace(/\r\n /g, "")).toBe(line);
      }),
    );
  });

  it("does not fold a line of exactly 75 octets", () => {
    const line = "X".repeat(75);
    expect(foldIcsLine(line)).toBe(line);
    expect(foldIcsLine(line + "Y")).toBe(`${line}\r\n Y`);
  });
});

describe("escaping", () => {
  it("escapes TEXT values (RFC 5545 §3.3.11)", () => {
    expect(escapeIcsText("a\\b;c,d\ne\r\nf")).toBe("a\\\\b\\;c\\,d\\ne\\nf");
  });

  it("quotes parameter values with separators and removes what a parameter cannot hold", () => {
    expect(formatIcsParamValue("Ann")).toBe("Ann");
    expect(formatIcsParamValue("Doe, Jane")).toBe('"Doe, Jane"');
    expect(formatIcsParamValue('Bob "B"\nX')).toBe("Bob 'B' X");
    expect(icsLine("ATTENDEE", "mailto:a@b.c", { CN: "A:B", ROLE: undefined })).toBe(
      'ATTENDEE;CN="A:B":mailto:a@b.c',
    );
  });
});
