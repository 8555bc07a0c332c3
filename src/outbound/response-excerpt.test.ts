import { describe, expect, it } from "vitest";
import { EXCERPT_CHARS, responseExcerpt, sanitiseExcerpt } from "./response-excerpt.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("response excerpt", () => {
  it("keeps a short, cleaned excerpt of a failed text answer", () => {
    const body = bytes('{"error":\t"bad\r\nsignature"}\u0000\u001b[31m\u202Eevil\u0085');
    expect(responseExcerpt({ status: 400, contentType: "application/json; charset=utf-8", body })).toBe(
      '{"error": "bad signature"} [31m evil',
    );
  });

  it.each([
    ["a success", 200, "text/plain"],
    ["a 204", 204, "text/plain"],
    ["an answer without a content type", 500, undefined],
    ["an image", 500, "image/png"],
    ["binary", 500, "application/octet-stream"],
    ["a textual-looking non-text type", 500, "application/jsonp-not-really"],
  ])("keeps nothing of %s", (_, status, contentType) => {
    expect(responseExcerpt({ status, contentType, body: bytes("secret internal text") })).toBeNull();
  });

  it.each([
    "text/html",
    "text/plain;charset=utf-8",
    "application/problem+json",
    "application/xml",
    "application/soap+xml",
  ])("reads %s as text", (contentType) => {
    expect(responseExcerpt({ status: 503, contentType, body: bytes("down") })).toBe("down");
  });

  it(`cuts at ${EXCERPT_CHARS} characters without splitting one, and drops a cut UTF-8 sequence`, () => {
    const long = sanitiseExcerpt("😀".repeat(300));
    expect(Array.from(long ?? "")).toHaveLength(EXCERPT_CHARS);
    expect(long?.endsWith("😀")).toBe(true);
    const cut = bytes("é".repeat(10)).subarray(0, 19);
    expect(responseExcerpt({ status: 500, contentType: "text/plain", body: cut })).toBe("é".repeat(9));
    expect(sanitiseExcerpt(" \u0000\r\n ")).toBeNull();
    expect(sanitiseExcerpt(sanitiseExcerpt("a\nb"))).toBe("a b");
  });
});
