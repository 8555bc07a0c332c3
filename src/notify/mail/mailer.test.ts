import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeBookingEmail } from "./booking-email.ts";
import type { MailMessage } from "./mail-message.ts";
import { MailSendError } from "./mail-send-error.ts";
import { createMailer } from "./mailer.ts";

interface MimePart {
  headers: Record<string, string>;
  body: string;
}

/** Just enough MIME (RFC 2045/2046) to look inside what nodemailer wrote: leaf parts, decoded. */
function mimeLeaves(raw: string): MimePart[] {
  const split = raw.indexOf("\r\n\r\n");
  const headerText = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  // The CRLF before a boundary delimiter belongs to the delimiter (RFC 2046 §5.1.1), not to the body.
  const body = raw.slice(split + 4).replace(/\r\n$/, "");
  const headers: Record<string, string> = {};
  for (const line of headerText.split("\r\n")) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const boundary = /boundary="?([^";]+)"?/i.exec(headers["content-type"] ?? "")?.[1];
  if (boundary && /^multipart\//i.test(headers["content-type"] ?? "")) {
    return body
      .split(`--${boundary}`)
      .slice(1, -1)
      .flatMap((part) => mimeLeaves(part.replace(/^\r\n/, "")));
  }
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const decoded =
    encoding === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
      : encoding === "quoted-printable"
        ? Buffer.from(
            body
              .replace(/=\r\n/g, "")
              .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            "latin1",
          ).toString("utf8")
        : body;
  return [{ headers, body: decoded }];
}

/** RFC 2047 encoded-word subjects (=?UTF-8?Q?...?= / =?UTF-8?B?...?=). */
function decodeSubject(value: string): string {
  return value.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_, kind: string, text: string) =>
    kind.toLowerCase() === "b"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text
            .replace(/_/g, " ")
            .replace(/=([0-9A-F]{2})/gi, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          "latin1",
        ).toString("utf8"),
  );
}

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//test//EN",
  "METHOD:REQUEST",
  "BEGIN:VEVENT",
  "UID:bk_1@test",
  "SUMMARY:Kennenlernen mit Zoë",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

describe("createMailer over SMTP", () => {
  const inbox: Array<{ from: string; to: string[]; raw: string }> = [];
  let server: SMTPServer;
  let smtpUrl: string;
  const logged: Array<{ object: object; message: string }> = [];
  const logger = { info: (object: object, message: string) => logged.push({ object, message }) };

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      secure: false,
      // No STARTTLS offer: the test server has no certificate the client would trust.
      disabledCommands: ["STARTTLS"],
      logger: false,
      onRcptTo(address, _session, callback) {
        // Local parts steer the failure modes: RFC 5321 4yz transient, 5yz permanent.
        if (address.address.startsWith("busy"))
          return callback(Object.assign(new Error("Try later"), { responseCode: 451 }));
        if (address.address.startsWith("nobody"))
          return callback(Object.assign(new Error("No such user"), { responseCode: 550 }));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          inbox.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks).toString("utf8"),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const compose = (kind: "invitation" | "cancellation", to = "bob@example.org"): MailMessage =>
    composeBookingEmail({
      kind,
      icsMethod: kind === "cancellation" ? "CANCEL" : "REQUEST",
      booking: {
        title: "Kennenlernen <Zoë>",
        start: "2030-03-04T09:00:00Z",
        end: "2030-03-04T09:30:00Z",
        timeZone: "Europe/Berlin",
        meetingUrl: "https://meet.example.com/abc",
        ...(kind === "cancellation" ? { cancelReason: "Host is ill" } : {}),
      },
      ics: kind === "cancellation" ? ICS.replace("METHOD:REQUEST", "METHOD:CANCEL") : ICS,
      from: { name: "Calbridge", address: "bookings@example.com" },
      to: [{ name: "Bob", address: to }],
    });

  it.each([
    ["invitation", "REQUEST"],
    ["cancellation", "CANCEL"],
  ] as const)(
    "delivers an %s with both bodies, the text/calendar part and the attachment",
    async (kind, method) => {
      const mailer = createMailer({ smtpUrl, logger });
      const result = await mailer.send(compose(kind));
      mailer.close();
      expect(result).toMatchObject({ status: "sent", accepted: ["bob@example.org"], rejected: [] });
      const mail = inbox.at(-1);
      expect(mail?.to).toEqual(["bob@example.org"]);
      expect(mail?.from).toBe("bookings@example.com");
      const raw = mail?.raw ?? "";
      const subjectHeader = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1] ?? "";
      expect(decodeSubject(subjectHeader.replace(/\r\n[ \t]/g, " "))).toBe(
        `${kind === "invitation" ? "Invitation" : "Cancelled"}: Kennenlernen <Zoë> @ Mon, 4 Mar 2030, 10:00–10:30 CET`,
      );
      const parts = mimeLeaves(raw);
      const byType = (type: string) =>
        parts.filter((part) => (part.headers["content-type"] ?? "").startsWith(type));
      expect(byType("text/plain")[0]?.body).toContain("Join: https://meet.example.com/abc");
      expect(byType("text/html")[0]?.body).toContain("Kennenlernen &lt;Zoë&gt;");
      const calendar = byType("text/calendar")[0];
      expect(calendar?.headers["content-type"]).toMatch(new RegExp(`method=${method}`));
      expect(calendar?.headers["content-type"]).toMatch(/charset="?utf-8"?/i);
      expect(calendar?.body).toBe(
        kind === "invitation" ? ICS : ICS.replace("METHOD:REQUEST", "METHOD:CANCEL"),
      );
      const attachment = byType("application/ics")[0];
      expect(attachment?.headers["content-disposition"]).toMatch(/^attachment; filename="?invite\.ics"?/);
      expect(attachment?.body).toBe(calendar?.body);
      if (kind === "cancellation") expect(byType("text/plain")[0]?.body).toContain("Reason: Host is ill");
    },
  );

  it.each([
    ["busy@example.org", 451, true],
    ["nobody@example.org", 550, false],
  ])("classifies a rejected recipient %s as %i, retryable=%s", async (to, smtpCode, retryable) => {
    const mailer = createMailer({ smtpUrl, logger });
    const error = await mailer.send(compose("invitation", to)).catch((caught: unknown) => caught);
    mailer.close();
    expect(error).toBeInstanceOf(MailSendError);
    expect(error).toMatchObject({ smtpCode, retryable });
  });

  it("classifies an unreachable server as retryable", async () => {
    const closed = new SMTPServer({ logger: false });
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, logger });
    const error = await mailer.send(compose("invitation")).catch((caught: unknown) => caught);
    mailer.close();
    expect(error).toMatchObject({ name: "MailSendError", retryable: true, code: "ESOCKET" });
  });

  it("logs and skips mail when no SMTP URL is configured", async () => {
    const mailer = createMailer({ logger });
    expect(await mailer.send(compose("invitation"))).toEqual({ status: "skipped" });
    expect(logged.at(-1)).toMatchObject({ message: "mail skipped", object: { recipients: 1 } });
    expect(JSON.stringify(logged.at(-1))).not.toContain("bob@example.org");
  });
});
