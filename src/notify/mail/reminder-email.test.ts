import { describe, expect, it } from "vitest";
import { composeReminderEmail, reminderLocaleOf } from "./reminder-email.ts";

const summary = {
  title: "Consultation",
  start: "2030-03-10T09:00:00Z",
  end: "2030-03-10T09:30:00Z",
  timeZone: "Europe/Berlin",
  meetingUrl: "https://meet.example/abc",
  rescheduleUrl: "https://cal.example/m/t/reschedule",
  cancelUrl: "https://cal.example/m/t/cancel",
};
const from = { address: "bookings@example.com" };
const to = [{ name: "Ada", address: "ada@example.com" }];

describe("composeReminderEmail", () => {
  it.each([
    ["en", "Reminder: Consultation", "Join: https://meet.example/abc", "10:00"],
    ["de", "Erinnerung: Consultation", "Teilnehmen: https://meet.example/abc", "10:00"],
    ["fr", "Rappel: Consultation", "Rejoindre: https://meet.example/abc", "10:00"],
  ] as const)(
    "%s: the recipient's language and zone, the meeting and manage links",
    (locale, subject, join, time) => {
      const mail = composeReminderEmail({ summary, locale, from, to });
      expect(mail.subject.startsWith(subject)).toBe(true);
      // 09:00 UTC is 10:00 in Berlin in March (CET).
      expect(mail.text).toContain(time);
      expect(mail.text).toContain("(Europe/Berlin)");
      expect(mail.text).toContain(join);
      expect(mail.text).toContain(summary.cancelUrl);
      expect(mail.html).toContain(`href="${summary.rescheduleUrl}"`);
      expect(mail.calendar).toBeUndefined();
    },
  );

  it("without manage links (a managed event's attendee, a host) it lists none", () => {
    const { rescheduleUrl: _r, cancelUrl: _c, ...plain } = summary;
    const mail = composeReminderEmail({ summary: plain, locale: "en", from, to });
    expect(mail.text).not.toContain("Cancel:");
  });

  it("reads unknown locales as English", () => {
    expect([reminderLocaleOf("de"), reminderLocaleOf("es"), reminderLocaleOf(null)]).toEqual([
      "de",
      "en",
      "en",
    ]);
  });
});
