import { useCallback, useEffect, useRef, useState } from "react";
import { api, ok, type Session, setCsrfToken } from "./api.ts";
import { useI18n } from "./i18n.tsx";
import { LANGUAGES, type Language, type MessageKey } from "./messages.ts";
import { navigate, type Route, useRoute } from "./navigation.ts";
import { AvailabilityPage } from "./pages/availability-page.tsx";
import { BookingsPage } from "./pages/bookings-page.tsx";
import { CalendarsPage } from "./pages/calendars-page.tsx";
import { SignedOutPage, SignInPage } from "./pages/sign-in-page.tsx";

const NAV: Array<{ route: Route; label: MessageKey }> = [
  { route: "calendars", label: "navCalendars" },
  { route: "availability", label: "navAvailability" },
  { route: "bookings", label: "navBookings" },
];

type SessionState = { kind: "loading" } | { kind: "signed-out" } | { kind: "in"; session: Session };

export function PortalApp() {
  const route = useRoute();
  const { t } = useI18n();
  const [state, setState] = useState<SessionState>({ kind: "loading" });
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    if (route === "sign-in") return;
    let live = true;
    api.GET("/portal/api/session").then((result) => {
      if (!live) return;
      if (result.data) {
        setCsrfToken(result.data.csrfToken);
        setState({ kind: "in", session: result.data });
      } else setState({ kind: "signed-out" });
    });
    const signedOut = () => setState({ kind: "signed-out" });
    window.addEventListener("portal:signed-out", signedOut);
    return () => {
      live = false;
      window.removeEventListener("portal:signed-out", signedOut);
    };
  }, [route]);

  useEffect(() => {
    const title = route === "sign-in" ? t("signInTitle") : t(NAV.find((item) => item.route === route)!.label);
    document.title = `${title} · ${t("appName")}`;
  }, [route, t]);

  const go = useCallback((next: Route) => {
    navigate(`/portal/${next}`);
    // Move focus to the new page's content, as a page load would for a screen reader.
    requestAnimationFrame(() => main.current?.focus());
  }, []);

  if (route === "sign-in") return <SignInPage />;
  if (state.kind === "signed-out") return <SignedOutPage />;

  return (
    <>
      <a className="skip-link" href="#main">
        {t("skip")}
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              ◷
            </span>
            <span>{t("appName")}</span>
          </div>
          <div className="topbar-tools">
            <LanguageSwitch />
            {state.kind === "in" && <SignOutButton />}
          </div>
        </div>
        <nav className="tabs" aria-label={t("appName")}>
          <ul>
            {NAV.map((item) => (
              <li key={item.route}>
                <a
                  href={`/portal/${item.route}`}
                  aria-current={route === item.route ? "page" : undefined}
                  onClick={(event) => {
                    if (event.metaKey || event.ctrlKey || event.shiftKey) return;
                    event.preventDefault();
                    go(item.route);
                  }}
                >
                  {t(item.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="content">
        {state.kind === "loading" ? (
          <p className="muted" role="status">
            {t("loading")}
          </p>
        ) : (
          <>
            <p className="signed-in-as muted">{t("signedInAs", { name: state.session.host.name })}</p>
            {route === "calendars" && <CalendarsPage session={state.session} />}
            {route === "availability" && <AvailabilityPage session={state.session} />}
            {route === "bookings" && <BookingsPage session={state.session} />}
          </>
        )}
      </main>
    </>
  );
}

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t("language")}</span>
      <select value={lang} onChange={(event) => setLang(event.target.value as Language)}>
        {Object.entries(LANGUAGES).map(([code, name]) => (
          <option key={code} value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

function SignOutButton() {
  const { t } = useI18n();
  return (
    <button
      type="button"
      className="button ghost"
      onClick={async () => {
        ok(await api.POST("/portal/api/sign-out"), "");
        window.dispatchEvent(new Event("portal:signed-out"));
      }}
    >
      {t("signOut")}
    </button>
  );
}
