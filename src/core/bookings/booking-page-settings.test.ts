import { describe, expect, it } from "vitest";
import {
  applyBookingPageSettings,
  checkFrameAncestor,
  checkLogoUrl,
  frameAncestorsDirective,
} from "./booking-page-settings.ts";

describe("booking page settings", () => {
  it("takes https logos and paths on the service itself, nothing else", () => {
    expect(checkLogoUrl("https://cdn.example.com/logo.svg")).toEqual({
      ok: true,
      url: "https://cdn.example.com/logo.svg",
    });
    expect(checkLogoUrl("/static/logo.png")).toEqual({ ok: true, url: "/static/logo.png" });
    for (const bad of [
      "http://example.com/logo.png",
      "//evil.example/logo.png",
      "javascript:alert(1)",
      "logo.png",
    ])
      expect(checkLogoUrl(bad).ok, bad).toBe(false);
  });

  it("takes origins only (https, http for loopback) as frame ancestors", () => {
    expect(checkFrameAncestor("https://www.example.com")).toEqual({
      ok: true,
      origin: "https://www.example.com",
    });
    expect(checkFrameAncestor("http://127.0.0.1:8080")).toEqual({
      ok: true,
      origin: "http://127.0.0.1:8080",
    });
    for (const bad of [
      "http://example.com",
      "https://example.com/page",
      "https://a.example; script-src *",
      "*",
    ])
      expect(checkFrameAncestor(bad).ok, bad).toBe(false);
  });

  it("merges a change, null clearing a field, and names each problem", () => {
    const first = applyBookingPageSettings(
      {},
      { brandColor: "#1A5FB4", frameAncestors: ["https://a.example"] },
    );
    expect(first).toEqual({
      ok: true,
      value: { brandColor: "#1a5fb4", frameAncestors: ["https://a.example"] },
    });
    if (!first.ok) throw new Error("unreachable");
    expect(applyBookingPageSettings(first.value, { brandColor: null })).toEqual({
      ok: true,
      value: { frameAncestors: ["https://a.example"] },
    });
    expect(
      applyBookingPageSettings({}, { logoUrl: "ftp://x", frameAncestors: ["https://ok.example", "nope"] }),
    ).toEqual({
      ok: false,
      problems: [
        "bookingPage.logoUrl: must be an https URL or a path on this service",
        'bookingPage.frameAncestors[1]: "nope" is not an origin such as https://app.example.com',
      ],
    });
  });

  it("builds the CSP directive: the service itself plus the listed origins", () => {
    expect(frameAncestorsDirective(undefined)).toBe("frame-ancestors 'self'");
    expect(frameAncestorsDirective({ frameAncestors: ["https://a.example", "https://b.example"] })).toBe(
      "frame-ancestors 'self' https://a.example https://b.example",
    );
  });
});
