import { useI18n } from "../i18n.tsx";
import type { MessageKey } from "../messages.ts";
import { LanguageSwitch } from "../portal-app.tsx";

const ERRORS: Record<string, MessageKey> = {
  used: "signInUsed",
  expired: "signInExpired",
  invalid: "signInInvalid",
};

/**
 * The landing page of a sign-in link. The token is posted by the button (a form), not used by merely opening the
 * link, so a mail scanner's preview does not spend it; a used or expired link comes back here with the reason.
 */
export function SignInPage() {
  const { t } = useI18n();
  const query = new URLSearchParams(window.location.search);
  const token = query.get("token");
  const error = query.get("error");
  const problem = error ? (ERRORS[error] ?? "signInInvalid") : token ? undefined : "signInMissing";
  return (
    <CenteredCard title={t("signInTitle")}>
      <p className="lead">{t("signInLead")}</p>
      {problem ? (
        <p className={error ? "notice error" : "notice"} role={error ? "alert" : undefined}>
          {t(problem)}
        </p>
      ) : (
        <form method="post" action="/portal/sign-in">
          <input type="hidden" name="token" value={token ?? ""} />
          <button type="submit" className="button primary wide">
            {t("signInButton")}
          </button>
        </form>
      )}
    </CenteredCard>
  );
}

export function SignedOutPage() {
  const { t } = useI18n();
  return (
    <CenteredCard title={t("signedOutTitle")}>
      <p className="lead">{t("signedOutLead")}</p>
    </CenteredCard>
  );
}

function CenteredCard({ title, children }: { title: string; children: React.ReactNode }) {
  const { t } = useI18n();
  return (
    <main className="centered">
      <div className="card sign-in-card">
        <div className="sign-in-top">
          <span className="brand">
            <span className="brand-mark" aria-hidden="true">
              ◷
            </span>
            {t("appName")}
          </span>
          <LanguageSwitch />
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
