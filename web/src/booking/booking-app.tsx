import { useCallback, useEffect, useMemo, useState } from "react";
import { api, call, type Failure } from "../shared/api.ts";
import { applyBrand } from "../shared/brand.ts";
import { startEmbedResize } from "../shared/embed-bridge.ts";
import { I18nContext, useI18n } from "../shared/i18n.ts";
import { FailureNotice } from "../shared/notice.tsx";
import { type Brand, PageFrame } from "../shared/page-frame.tsx";
import { bookingPagePath } from "../shared/page-path.ts";
import { BookingPage, type PublicEventType } from "./booking-page.tsx";
import { ManagePage, manageRoute, useLinkedBooking } from "./manage-page.tsx";
import { useVisitorSettings } from "./visitor-settings.ts";

function Problem(props: { failure: Failure; onRetry: () => void }) {
  const { t } = useI18n();
  const { failure } = props;
  if (failure.kind === "not_found" || failure.kind === "link")
    return (
      <div className="problem">
        <h1>{failure.kind === "link" ? t("linkProblem") : t("notFoundTitle")}</h1>
        <p className="muted">
          {failure.kind === "link" && failure.message ? failure.message : t("notFoundText")}
        </p>
      </div>
    );
  return <FailureNotice failure={failure} onRetry={props.onRetry} />;
}

function Loading() {
  const { t } = useI18n();
  return (
    <div className="loading-page" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{t("loading")}</span>
    </div>
  );
}

function EventTypeRoute(props: {
  tenantSlug: string;
  eventTypeSlug: string;
  settings: ReturnType<typeof useVisitorSettings>;
}) {
  const { settings } = props;
  const [state, setState] = useState<
    | { status: "loading" }
    | { status: "ready"; eventType: PublicEventType }
    | { status: "failed"; failure: Failure }
  >({ status: "loading" });
  const load = useCallback(async () => {
    setState({ status: "loading" });
    const answer = await call(() =>
      api.GET("/v1/public/{tenantSlug}/{eventTypeSlug}", {
        params: { path: { tenantSlug: props.tenantSlug, eventTypeSlug: props.eventTypeSlug } },
      }),
    );
    if (!answer.ok) return setState({ status: "failed", failure: answer.failure });
    setState({ status: "ready", eventType: answer.data });
  }, [props.tenantSlug, props.eventTypeSlug]);
  useEffect(() => {
    void load();
  }, [load]);
  const brand: Brand | undefined = state.status === "ready" ? state.eventType.brand : undefined;
  useEffect(() => {
    if (state.status === "ready") document.title = state.eventType.title;
    applyBrand(brand?.color);
  }, [state, brand?.color]);
  return (
    <PageFrame brand={brand} onLanguage={settings.setLanguage} wide={state.status === "ready"}>
      {state.status === "loading" ? <Loading /> : null}
      {state.status === "failed" ? <Problem failure={state.failure} onRetry={() => void load()} /> : null}
      {state.status === "ready" ? (
        <BookingPage
          tenantSlug={props.tenantSlug}
          eventType={state.eventType}
          zone={settings.zone}
          clock={settings.clock}
          onZone={settings.setZone}
          onClock={settings.setClock}
        />
      ) : null}
    </PageFrame>
  );
}

function ManageRoute(props: {
  token: string;
  view: "manage" | "reschedule" | "cancel";
  settings: ReturnType<typeof useVisitorSettings>;
}) {
  const { settings } = props;
  const { state, reload, setBooking } = useLinkedBooking(props.token);
  const brand = state.status === "ready" ? state.context.brand : undefined;
  useEffect(() => {
    if (state.status === "ready") document.title = state.context.title;
    applyBrand(brand?.color);
  }, [state, brand?.color]);
  return (
    <PageFrame brand={brand} onLanguage={settings.setLanguage} wide={state.status === "ready"}>
      {state.status === "loading" ? <Loading /> : null}
      {state.status === "failed" ? <Problem failure={state.failure} onRetry={() => void reload()} /> : null}
      {state.status === "ready" ? (
        <ManagePage
          token={props.token}
          view={props.view}
          booking={state.booking}
          context={state.context}
          zone={settings.zone}
          clock={settings.clock}
          onZone={settings.setZone}
          onClock={settings.setClock}
          onBooking={setBooking}
        />
      ) : null}
    </PageFrame>
  );
}

/** The public page: an event type's booking page, or an attendee's booking behind a signed link. */
export function BookingApp() {
  const settings = useVisitorSettings();
  const i18n = useMemo(
    () => ({ language: settings.language, t: settings.t }),
    [settings.language, settings.t],
  );
  useEffect(() => startEmbedResize(), []);
  const manage = manageRoute(window.location.pathname);
  const path = manage ? null : bookingPagePath(window.location.pathname);
  return (
    <I18nContext.Provider value={i18n}>
      {manage ? (
        <ManageRoute token={manage.token} view={manage.view} settings={settings} />
      ) : path ? (
        <EventTypeRoute tenantSlug={path.tenantSlug} eventTypeSlug={path.eventTypeSlug} settings={settings} />
      ) : (
        <PageFrame brand={undefined} onLanguage={settings.setLanguage}>
          <Problem failure={{ kind: "not_found", message: "" }} onRetry={() => undefined} />
        </PageFrame>
      )}
    </I18nContext.Provider>
  );
}
