import { describe, expect, it } from "vitest";
import {
  checkGoogleGrant,
  googleAccountOf,
  googleOAuthSettings,
  missingGoogleScopes,
} from "./google-oauth.ts";

const CAL = "https://www.googleapis.com/auth/calendar";

describe("Google OAuth settings", () => {
  it("asks for offline access with forced consent and incremental scopes, and only the scopes it uses", () => {
    const settings = googleOAuthSettings({
      clientId: "id",
      clientSecret: "secret",
      authUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      tokenUrl: "https://oauth2.googleapis.com/token",
      apiUrl: "https://www.googleapis.com/calendar/v3",
    });
    expect(settings.authorizeParams).toEqual({
      access_type: "offline",
      prompt: "consent",
      include_granted_scopes: "true",
    });
    expect(settings.scopes).toEqual(["openid", "email", `${CAL}.calendarlist.readonly`, `${CAL}.events`]);
    expect(settings.issuer).toBe("https://accounts.google.com");
    expect(settings.revocationEndpoint).toBe("https://oauth2.googleapis.com/revoke");
  });

  it("refuses a grant with a calendar scope unticked; broader scopes count", () => {
    expect(missingGoogleScopes(`openid email ${CAL}.events`)).toEqual([`${CAL}.calendarlist.readonly`]);
    expect(missingGoogleScopes(`openid ${CAL}`)).toEqual([]);
    const tokens = (scope: string | undefined) => ({
      accessToken: "a",
      refreshToken: undefined,
      expiresAt: new Date(0),
      scope,
      extra: {},
    });
    expect(checkGoogleGrant(tokens(`openid email ${CAL}.calendarlist.readonly`))).toBe("scope_not_granted");
    expect(
      checkGoogleGrant(tokens(`openid email ${CAL}.calendarlist.readonly ${CAL}.events`)),
    ).toBeUndefined();
  });

  it("reads the account from the ID token: Workspace when it names a hosted domain", () => {
    const base = {
      accessToken: "a",
      refreshToken: undefined,
      expiresAt: new Date(0),
      scope: undefined,
      extra: {},
    };
    expect(
      googleAccountOf({ ...base, idClaims: { sub: "1", email: "a@corp.example", hd: "corp.example" } }),
    ).toEqual({
      id: "1",
      email: "a@corp.example",
      displayName: "a@corp.example",
      kind: "work",
    });
    expect(googleAccountOf({ ...base, idClaims: { sub: "2", email: "b@gmail.com" } })?.kind).toBe("personal");
    expect(googleAccountOf(base)).toBeUndefined();
  });
});
