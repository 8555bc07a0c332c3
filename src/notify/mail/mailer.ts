import nodemailer from "nodemailer";
import type Mail from "nodemailer/lib/mailer/index.js";
import type { MailAddress, MailMessage } from "./mail-message.ts";
import { MailSendError } from "./mail-send-error.ts";

/** The slice of a pino logger the mailer uses. */
export interface MailerLogger {
  info(object: object, message: string): void;
}

export type SendResult =
  | { status: "sent"; messageId: string; accepted: string[]; rejected: string[] }
  | { status: "skipped" };

export interface Mailer {
  /** Throws MailSendError (with `retryable`) when the SMTP server or the connection fails. */
  send(message: MailMessage): Promise<SendResult>;
  close(): void;
}

/**
 * SMTP delivery through nodemailer. Without `smtpUrl` (SMTP_URL unset) mail is logged as skipped so
 * that bookings work on an instance without mail.
 */
export function createMailer(params: { smtpUrl?: string; logger: MailerLogger }): Mailer {
  const { smtpUrl, logger } = params;
  if (!smtpUrl) {
    return {
      async send(message) {
        // Counts only: recipients' addresses and subjects (which carry names) are personal data, not log content.
        logger.info({ recipients: message.to.length }, "mail skipped");
        return { status: "skipped" };
      },
      close() {},
    };
  }
  // Bounded waits: a stalled server must fail the job attempt (and be retried), not hang it.
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return {
    async send(message) {
      try {
        const info = await transport.sendMail(toNodemailer(message));
        const addresses = (list: Array<string | Mail.Address>): string[] =>
          list.map((entry) => (typeof entry === "string" ? entry : entry.address));
        return {
          status: "sent",
          messageId: info.messageId,
          accepted: addresses(info.accepted),
          rejected: addresses(info.rejected),
        };
      } catch (error) {
        throw MailSendError.from(error);
      }
    },
    close() {
      transport.close();
    },
  };
}

function toNodemailer(message: MailMessage): Mail.Options {
  const address = (entry: MailAddress): Mail.Address => ({ name: entry.name ?? "", address: entry.address });
  return {
    from: address(message.from),
    to: message.to.map(address),
    ...(message.replyTo ? { replyTo: address(message.replyTo) } : {}),
    subject: message.subject,
    text: message.text,
    html: message.html,
    // nodemailer's icalEvent writes the multipart/alternative part `text/calendar; method=REQUEST` that
    // mail clients turn into accept/decline buttons, plus the same file as an application/ics attachment
    // for clients that only offer "open attachment".
    ...(message.calendar
      ? {
          icalEvent: {
            method: message.calendar.method,
            filename: message.calendar.fileName,
            content: message.calendar.content,
          },
        }
      : {}),
  };
}
