import { describe, expect, it } from "vitest";
import { calDavServerUrl } from "./caldav-connect.ts";

describe("calDavServerUrl", () => {
  it.each([
    [{ preset: "icloud", serverUrl: undefined }, "https://caldav.icloud.com/"],
    [{ preset: "fastmail", serverUrl: "https://ignored.example" }, "https://caldav.fastmail.com/dav/"],
    [
      { preset: "nextcloud", serverUrl: "https://cloud.example.com" },
      "https://cloud.example.com/remote.php/dav/",
    ],
    [{ preset: "nextcloud", serverUrl: "https://example.com/nc/" }, "https://example.com/nc/remote.php/dav/"],
    [
      { preset: "nextcloud", serverUrl: "https://cloud.example.com/remote.php/dav/" },
      "https://cloud.example.com/remote.php/dav/",
    ],
    [{ preset: "custom", serverUrl: "http://dav.intranet:5232/" }, "http://dav.intranet:5232/"],
  ] as const)("%j starts discovery at %s", (input, expected) => {
    expect(calDavServerUrl(input)).toEqual({ ok: true, url: new URL(expected) });
  });

  it.each([
    [{ preset: "custom", serverUrl: undefined }, "serverUrl: required for custom"],
    [{ preset: "custom", serverUrl: "not a url" }, "serverUrl: not a valid URL"],
    [
      { preset: "custom", serverUrl: "ftp://dav.example.com/" },
      "serverUrl: only http and https URLs can be reached",
    ],
    [
      { preset: "custom", serverUrl: "https://ana:pw@dav.example.com/" },
      "serverUrl: put the user name and password in their own fields",
    ],
  ] as const)("%j is refused: %s", (input, message) => {
    expect(calDavServerUrl(input)).toEqual({ ok: false, message });
  });
});
