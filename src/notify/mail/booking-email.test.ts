import { describe, expect, it } from "vitest";
import type { BookingEmailSummary } from "./booking-email.ts";
import { composeBookingEmail } from "./booking-email.ts";

const booking: BookingEmailSummary = {
  title: "Intro call",
  start: "2030-03-04T09:00:00Z",
  end: "2030-03-04T09:30:00Z",
  timeZone: "Europe/Berlin",
  hostName: "Ann Host",
  meetingUrl: "https://meet.example.com/abc?x=1&y=2",
  description: "Agenda: <b>intro</b> & questions",
  rescheduleUrl: "https://cal.example.com/b/bk_1/reschedule?sig=abc",
  cancelUrl: "https://cal.example.com/b/bk_1/cancel?sig=abc",
};
const base = {
  booking,
  ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
  from: { name: "Calbridge", address: "bookings@example.com" },
  to: [{ name: "Bob", address: "bob@example.org" }],
};

const invite = (changes: Partial<BookingEmailSummary> = {}) =>
  composeBookingEmail({
    ...base,
    kind: "invitation",
    icsMethod: "REQUEST",
    booking: { ...booking, ...changes },
  });

describe("composeBookingEmail", () => {
  it("writes an invitation with the time in the recipient's zone and the .ics as REQUEST", () => {
    const message = invite();
    expect(message.subject).toBe("Invitation: Intro call @ Mon, 4 Mar 2030, 10:00–10:30 CET");
    expect(message.text).toContain("When: Mon, 4 Mar 2030, 10:00–10:30 CET (Europe/Berlin)");
    expect(message.text).toContain("Join: https://meet.example.com/abc?x=1&y=2");
    expect(message.text).toContain("Cancel: https://cal.example.com/b/bk_1/cancel?sig=abc");
    expect(message.calendar).toEqual({ method: "REQUEST", content: base.ics, fileName: "invite.ics" });
  });

  it("marks an update as such and keeps the REQUEST method", () => {
    const message = composeBookingEmail({ ...base, kind: "update", icsMethod: "REQUEST" });
    expect(message.subject).toMatch(/^Updated invitation: Intro call @ /);
    expect(message.text.startsWith("This booking has changed.")).toBe(true);
    expect(message.calendar?.method).toBe("REQUEST");
  });

  it("escapes HTML in every attendee- or tenant-supplied field", () => {
    const message = invite({ title: "<script>alert(1)</script>", hostName: 'Ann "the" Host' });
    expect(message.html).not.toContain("<script>");
    expect(message.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(message.html).toContain("Agenda: &lt;b&gt;intro&lt;/b&gt; &amp; questions");
    expect(message.html).toContain("Ann &quot;the&quot; Host");
    expect(message.html).toContain('<a href="https://meet.example.com/abc?x=1&amp;y=2">');
  });

  it("never turns a javascript: link into an anchor", () => {
    const message = invite({ meetingUrl: "javascript:alert(1)" });
    expect(message.html).not.toContain('href="javascript:');
    expect(message.html).toContain("javascript:alert(1)");
  });

  it("writes a cancellation with the reason, a CANCEL .ics and no manage links", () => {
    const message = composeBookingEmail({
      ...base,
      kind: "cancellation",
      icsMethod: "CANCEL",
      icsFileName: "cancel-2030-03-04-intro-call.ics",
      booking: { ...booking, cancelReason: "Host is ill" },
    });
    expect(message.subject).toMatch(/^Cancelled: Intro call @ /);
    expect(message.text).toContain("Reason: Host is ill");
    expect(message.text).not.toContain("Reschedule");
    expect(message.calendar?.method).toBe("CANCEL");
    expect(message.calendar?.fileName).toBe("cancel-2030-03-04-intro-call.ics");
  });

  it("rejects a method that contradicts the kind", () => {
    expect(() => composeBookingEmail({ ...base, kind: "cancellation", icsMethod: "REQUEST" })).toThrow(
      RangeError,
    );
    expect(() => composeBookingEmail({ ...base, kind: "update", icsMethod: "CANCEL" })).toThrow(RangeError);
  });
});
