/** A mailbox: `{ name: "Ann Host", address: "ann@example.com" }`. */
export interface MailAddress {
  name?: string;
  address: string;
}

/**
 * A composed message, independent of the transport. `calendar` becomes both the
 * `text/calendar; method=…` alternative and the `invite.ics` attachment (see mailer.ts).
 */
export interface MailMessage {
  from: MailAddress;
  to: MailAddress[];
  replyTo?: MailAddress;
  subject: string;
  text: string;
  html: string;
  calendar?: { method: "REQUEST" | "CANCEL"; content: string; fileName: string };
}
