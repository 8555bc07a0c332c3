import { describe, expect, it } from "vitest";
import {
  csrfTokenFor,
  csrfTokenMatches,
  originAllowed,
  portalCookie,
  readPortalCookie,
} from "./portal-cookie.ts";

describe("portal cookie and CSRF token", () => {
  const secret = "s".repeat(43);

  it("reads the session cookie among others and ignores malformed values", () => {
    expect(readPortalCookie(`a=1; calbridge_portal=${secret}; b=2`)).toBe(secret);
    expect(readPortalCookie("calbridge_portal=short")).toBeUndefined();
    expect(readPortalCookie(`calbridge_portal=${"x".repeat(40)};`)).toBe("x".repeat(40));
    expect(readPortalCookie(`calbridge_portal=${"x".repeat(40)}%00`)).toBeUndefined();
    expect(readPortalCookie(undefined)).toBeUndefined();
  });

  it("sets Secure only over https", () => {
    expect(portalCookie({ secret, secure: true, maxAgeSeconds: 60 })).toContain("; Secure");
    expect(portalCookie({ secret, secure: false, maxAgeSeconds: 60 })).not.toContain("Secure");
  });

  it("derives a CSRF token per session that only that session's secret matches", () => {
    const token = csrfTokenFor(secret);
    expect(csrfTokenMatches(secret, token)).toBe(true);
    expect(csrfTokenMatches("t".repeat(43), token)).toBe(false);
    expect(csrfTokenMatches(secret, undefined)).toBe(false);
    expect(csrfTokenMatches(secret, `${token}x`)).toBe(false);
  });

  it("allows the public URL's origin and the request's own, nothing else", () => {
    const own = { publicUrl: "https://cal.example.com", requestOrigin: "http://127.0.0.1:3000" };
    expect(originAllowed("https://cal.example.com", own)).toBe(true);
    expect(originAllowed("http://127.0.0.1:3000", own)).toBe(true);
    expect(originAllowed("https://cal.example.com.evil.example", own)).toBe(false);
    expect(originAllowed("null", own)).toBe(false);
    expect(originAllowed(undefined, own)).toBe(true);
  });
});
