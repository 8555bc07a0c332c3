import { describe, expect, it } from "vitest";
import { redactExternalUrl, redactRequestUrl } from "./redact-url.ts";

describe("redactRequestUrl", () => {
  it.each([
    ["/v1/public/bookings/eyJhYmMi.mac-part", "/v1/public/bookings/[redacted]"],
    ["/v1/public/bookings/eyJhYmMi.mac/cancel", "/v1/public/bookings/[redacted]/cancel"],
    ["/v1/public/bookings/eyJhYmMi.mac/ics?download=1", "/v1/public/bookings/[redacted]/ics?download=1"],
    ["/v1/feeds/Zm9vYmFyYmF6.ics", "/v1/feeds/[redacted].ics"],
    ["/v1/feeds/Zm9vYmFyYmF6", "/v1/feeds/[redacted]"],
    // A 404 with another spelling still must not show the token.
    ["/V1/Public/%62ookings/eyJhYmMi.mac", "/V1/Public/%62ookings/[redacted]"],
    ["//v1//feeds//abc.ics", "//v1//feeds//[redacted].ics"],
    [
      "/v1/public/acme/intro-call/slots?from=2030-03-04&to=2030-03-05",
      "/v1/public/acme/intro-call/slots?from=2030-03-04&to=2030-03-05",
    ],
    ["/v1/hosts/9b2c?limit=5", "/v1/hosts/9b2c?limit=5"],
    [
      "/callback?code=abc&state=xyz&validationToken=v&TOKEN=t&key=k&sig=s&x=1",
      "/callback?code=[redacted]&state=[redacted]&validationToken=[redacted]&TOKEN=[redacted]&key=[redacted]&sig=[redacted]&x=1",
    ],
    ["/a?to%6Ben=secret", "/a?to%6Ben=[redacted]"],
    ["/a?flag&token", "/a?flag&token=[redacted]"],
  ])("%s -> %s", (url, expected) => {
    expect(redactRequestUrl(url)).toBe(expected);
  });

  it("redacts path segments equal to a route's secret param values", () => {
    expect(redactRequestUrl("/v2/claims/s3cr%20t/view", ["s3cr t"])).toBe("/v2/claims/[redacted]/view");
  });
});

describe("redactExternalUrl", () => {
  it.each([
    ["https://user:pass@hooks.example.com/api/webhooks", "https://hooks.example.com/api/webhooks"],
    [
      "https://hooks.slack.com/services/T0001/B0002/XXXXxxxxYYYY",
      "https://hooks.slack.com/services/[redacted]/[redacted]/[redacted]",
    ],
    ["https://example.com/v1/calendar.ics?token=abc", "https://example.com/v1/calendar.ics?[redacted]"],
    ["https://example.com/", "https://example.com"],
    ["webcal://calendar.example.com:8443/feed/5f3a9e", "webcal://calendar.example.com:8443/feed/[redacted]"],
    ["not a url", "[not a URL]"],
  ])("%s -> %s", (url, expected) => {
    expect(redactExternalUrl(url)).toBe(expected);
  });
});
