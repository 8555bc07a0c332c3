import { describe, expect, it } from "vitest";
import { decodeIcsBytes } from "./decode-ics-bytes.ts";

const bytes = (...parts: Array<string | number[]>) =>
  new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...Buffer.from(part, "utf8")] : part)));

describe("decodeIcsBytes", () => {
  it("drops a UTF-8 BOM", () => {
    expect(decodeIcsBytes(bytes([0xef, 0xbb, 0xbf], "BEGIN:VCALENDAR"))).toBe("BEGIN:VCALENDAR");
  });

  it("replaces invalid UTF-8 with U+FFFD instead of failing", () => {
    expect(decodeIcsBytes(bytes("Caf", [0xe9], " ok"))).toBe("Caf\uFFFD ok");
  });

  it("rejoins a multi-byte character split by a fold, keeping the line count", () => {
    // "é" is C3 A9; Outlook folds at 75 octets, between the two bytes.
    const decoded = decodeIcsBytes(bytes("SUMMARY:Caf", [0xc3], "\r\n ", [0xa9], "!\r\nX:y"));
    expect(decoded).toBe("SUMMARY:Café\r\n !\r\nX:y");
    expect(decoded.split("\r\n")).toHaveLength(3);
  });

  it("does not modify the caller's buffer", () => {
    const input = Buffer.from(bytes("A", [0xc3], "\n\t", [0xa9]));
    const copy = Buffer.from(input);
    expect(decodeIcsBytes(input)).toBe("Aé\n\t");
    expect(input.equals(copy)).toBe(true);
  });

  it("honours UTF-16 with a BOM", () => {
    const text = "BEGIN:VCALENDAR\r\n";
    const le = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, "utf16le")]);
    expect(decodeIcsBytes(le)).toBe(text);
  });
});
