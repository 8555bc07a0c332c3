/**
 * A failed SMTP send, classified so the job engine knows whether to retry.
 * RFC 5321 §4.2.1: 4yz replies are transient ("try again later": greylisting, full mailbox queue,
 * rate limits), 5yz are permanent (unknown user, rejected content, bad credentials). Connection
 * failures and timeouts carry no reply code and are transient.
 */
export class MailSendError extends Error {
  override readonly name = "MailSendError";
  readonly retryable: boolean;
  /** The SMTP reply code when the server answered, e.g. 450 or 550. */
  readonly smtpCode: number | undefined;
  /** nodemailer's error code: ECONNECTION, ETIMEDOUT, EENVELOPE, EMESSAGE, EAUTH, … */
  readonly code: string | undefined;

  constructor(
    message: string,
    options: { retryable: boolean; smtpCode?: number; code?: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
    this.smtpCode = options.smtpCode;
    this.code = options.code;
  }

  static from(error: unknown): MailSendError {
    const details =
      error instanceof Error ? (error as Error & { responseCode?: unknown; code?: unknown }) : undefined;
    const smtpCode = typeof details?.responseCode === "number" ? details.responseCode : undefined;
    const code = typeof details?.code === "string" ? details.code : undefined;
    const message = details?.message ?? String(error);
    if (smtpCode !== undefined) {
      return new MailSendError(message, {
        retryable: smtpCode >= 400 && smtpCode < 500,
        smtpCode,
        code,
        cause: error,
      });
    }
    // Without a reply, only a network-level failure is worth retrying; an API misuse (no recipients,
    // missing credentials) will fail identically next time.
    const retryable = code === undefined || ["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS"].includes(code);
    return new MailSendError(message, { retryable, code, cause: error });
  }
}
