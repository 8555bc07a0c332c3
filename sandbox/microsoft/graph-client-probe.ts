/**
 * Child-process probe for graph-client-https.test.ts: runs the official @microsoft/microsoft-graph-client
 * against the sandbox over https. The parent starts it with NODE_EXTRA_CA_CERTS pointing at the
 * sandbox's self-signed certificate, which is the documented way to make Node trust it.
 * Usage: node --import tsx graph-client-probe.ts <sandbox https url>
 */
import { Client, PageIterator } from "@microsoft/microsoft-graph-client";
import type { Event } from "@microsoft/microsoft-graph-types";
import { signIn } from "./test-sign-in.ts";

const url = process.argv[2] ?? "";
const tokens = await signIn({ url, account: "adele@contoso.com" });
const client = Client.init({
  baseUrl: url,
  defaultVersion: "v1.0",
  // The SDK attaches the bearer token only to Graph hosts and hosts listed here.
  customHosts: new Set([new URL(url).hostname]),
  authProvider: (done) => done(null, tokens.access_token),
});

const me = (await client.api("/me").get()) as { userPrincipalName: string };
const created = (await client.api("/me/events").post({
  subject: "From the official SDK",
  start: { dateTime: "2030-04-01T10:00:00", timeZone: "Pacific Standard Time" },
  end: { dateTime: "2030-04-01T11:00:00", timeZone: "Pacific Standard Time" },
})) as Event;

// The SDK's RetryHandler honours Retry-After on the injected 429.
await fetch(`${url}/_sandbox/throttle`, {
  method: "POST",
  body: JSON.stringify({ count: 1, retryAfter: "1" }),
});
const afterThrottle = (await client.api(`/me/events/${encodeURIComponent(created.id ?? "")}`).get()) as Event;

const first = await client
  .api("/me/calendarView")
  .query({ startDateTime: "2030-01-06T00:00:00Z", endDateTime: "2030-01-20T00:00:00Z" })
  .get();
const subjects: string[] = [];
const iterator = new PageIterator(client, first, (event: Event) => {
  subjects.push(event.subject ?? "");
  return true;
});
await iterator.iterate();

let notFound = "";
try {
  await client.api("/me/events/AAMkAGnotthere=").get();
} catch (error) {
  notFound = (error as { code?: string }).code ?? String(error);
}

process.stdout.write(
  JSON.stringify({
    upn: me.userPrincipalName,
    createdSubject: afterThrottle.subject,
    count: subjects.length,
    notFound,
  }),
);
