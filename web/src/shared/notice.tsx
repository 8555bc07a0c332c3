import type { Failure } from "./api.ts";
import { useI18n } from "./i18n.ts";

/** Rate limits, lost connections and server trouble: say so in plain words and offer to try again. */
export function FailureNotice(props: { failure: Failure; onRetry?: () => void }) {
  const { t } = useI18n();
  const { failure } = props;
  const text =
    failure.kind === "rate_limited"
      ? t("rateLimited")
      : failure.kind === "offline"
        ? t("offline")
        : failure.kind === "server"
          ? t("serverError")
          : "message" in failure && failure.message
            ? failure.message
            : t("serverError");
  return (
    <div className="notice notice-error" role="alert">
      <p>{text}</p>
      {props.onRetry ? (
        <button type="button" className="button secondary" onClick={props.onRetry}>
          {t("retry")}
        </button>
      ) : null}
    </div>
  );
}
