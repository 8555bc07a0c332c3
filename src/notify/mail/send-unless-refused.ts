import type { Logger } from "../../observability/logger.ts";
import type { MailMessage } from "./mail-message.ts";
import { MailSendError } from "./mail-send-error.ts";
import type { Mailer } from "./mailer.ts";

/**
 * Sends one message from a mail job: a transient failure (4xx, a dropped connection) throws so pg-boss retries with
 * backoff; a permanent one (5xx) is logged and not retried, since sending again cannot help.
 */
export async function sendUnlessRefused(params: {
  mailer: Mailer;
  message: MailMessage;
  logger: Logger;
  /** What the log lines say the mail is about, e.g. `{ bookingId, kind }`. */
  context: Record<string, unknown>;
  label: string;
}): Promise<void> {
  try {
    const result = await params.mailer.send(params.message);
    params.logger.info({ ...params.context, status: result.status }, params.label);
  } catch (error) {
    if (error instanceof MailSendError && !error.retryable) {
      params.logger.error(
        { err: error, ...params.context },
        `${params.label} refused permanently; not retrying`,
      );
      return;
    }
    throw error;
  }
}

/** An address or phone is where the meeting is; any other location's value is the link to join it. */
export function locationFields(location: { kind: string; value?: string | undefined } | null | undefined): {
  location?: string;
  meetingUrl?: string;
} {
  if (!location?.value) return {};
  return location.kind === "address" || location.kind === "phone"
    ? { location: location.value }
    : { meetingUrl: location.value };
}
