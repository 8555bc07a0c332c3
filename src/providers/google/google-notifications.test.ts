import { describe, expect, it } from "vitest";
import { parseGoogleNotification } from "./google-notifications.ts";

const headers = (state: string) => ({
  "x-goog-channel-id": "c1",
  "x-goog-channel-token": "secret",
  "x-goog-resource-id": "r1",
  "x-goog-resource-state": state,
  "x-goog-message-number": "2",
});

describe("parseGoogleNotification", () => {
  it("reads sync as the hello and exists as a change, with token and resource id", () => {
    expect(parseGoogleNotification({ headers: headers("sync") })?.notifications).toEqual([
      { channelId: "c1", secret: "secret", resourceId: "r1", kind: "sync" },
    ]);
    expect(parseGoogleNotification({ headers: headers("exists") })?.notifications[0]?.kind).toBe("changed");
    expect(parseGoogleNotification({ headers: headers("not_exists") })?.notifications[0]?.kind).toBe(
      "changed",
    );
  });

  it("skips unknown states and refuses a request without Google's headers", () => {
    expect(parseGoogleNotification({ headers: headers("teapot") })).toEqual({
      notifications: [],
      skipped: 1,
    });
    expect(parseGoogleNotification({ headers: { "content-type": "application/json" } })).toBeNull();
  });
});
