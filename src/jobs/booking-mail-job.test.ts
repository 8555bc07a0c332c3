import { describe, expect, it } from "vitest";
import type { CalendarWriteRow } from "../store/calendar-writes-repository.ts";
import type { HostRow } from "../store/hosts-repository.ts";
import { recipientsBesidesCalendars } from "./booking-mail-job.ts";

const host = (id: string) => ({ id, name: id, email: `${id}@example.org` }) as unknown as HostRow;
const write = (hostId: string, state: CalendarWriteRow["state"], invitesAttendee = true) =>
  ({ hostId, state, invitesAttendee }) as CalendarWriteRow;

describe("who Calbridge mails besides the hosts' calendars", () => {
  const hosts = [host("h1"), host("h2")];

  it("mails hosts whose calendar does not show the booking, and nobody twice", () => {
    const cases: Array<[string, CalendarWriteRow[], boolean, boolean, string[], boolean]> = [
      // name, writes, providerInvites, byHostCalendar, hosts mailed, attendee mailed
      ["no calendar at all", [], true, false, ["h1", "h2"], true],
      ["written with the attendee: Outlook invited", [write("h1", "written")], true, false, ["h2"], false],
      ["the write failed: we invite", [write("h1", "failed")], true, false, ["h1", "h2"], true],
      ["the tenant invites itself", [write("h1", "written", false)], false, false, ["h2"], true],
      ["the host changed it in Outlook", [write("h1", "written")], true, true, ["h2"], true],
    ];
    for (const [name, writes, providerInvites, byHostCalendar, mailed, attendee] of cases) {
      const result = recipientsBesidesCalendars({ writes, hosts, providerInvites, byHostCalendar });
      expect({ hosts: result.hosts.map((h) => h.id), attendee: result.attendee }, name).toEqual({
        hosts: mailed,
        attendee,
      });
    }
  });
});
