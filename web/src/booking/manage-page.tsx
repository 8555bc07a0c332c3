import { useCallback, useEffect, useId, useRef, useState } from "react";
import { api, type Booking, call, type Failure, samePath } from "../shared/api.ts";
import { useI18n } from "../shared/i18n.ts";
import { forgetSlots } from "../shared/month-slots.ts";
import { FailureNotice } from "../shared/notice.tsx";
import { type PickedSlot, SlotPicker } from "../shared/slot-picker.tsx";
import type { Clock } from "../shared/time-format.ts";
import { formatRange } from "../shared/time-format.ts";
import { AddToCalendar, BookingDetails, Confirmation } from "./booking-details.tsx";
import type { EventInfo } from "./event-summary.tsx";
import { EventSummary } from "./event-summary.tsx";
import { nearbySlots, TakenPanel } from "./taken-panel.tsx";

export type ManageView = "manage" | "reschedule" | "cancel";

export interface LinkContext extends EventInfo {
  tenantSlug: string;
  eventTypeSlug: string;
  brand: { name: string; color?: string; logoUrl?: string };
}

/** `/v1/public/bookings/{token}`, `…/reschedule`, `…/cancel`: the attendee's signed links. */
export function manageRoute(pathname: string): { token: string; view: ManageView } | undefined {
  const match = /^\/v1\/public\/bookings\/([^/]+)(?:\/(reschedule|cancel))?\/?$/.exec(pathname);
  if (!match) return undefined;
  return { token: decodeURIComponent(match[1]!), view: (match[2] as ManageView | undefined) ?? "manage" };
}

/** Loads the booking and its page context (event type, hosts, brand) for a link. */
export function useLinkedBooking(token: string) {
  const [state, setState] = useState<
    | { status: "loading" }
    | { status: "ready"; booking: Booking; context: LinkContext }
    | { status: "failed"; failure: Failure }
  >({ status: "loading" });
  const load = useCallback(async () => {
    setState({ status: "loading" });
    const [booking, context] = await Promise.all([
      call(() => api.GET("/v1/public/bookings/{token}", { params: { path: { token } } })),
      call(() => api.GET("/v1/public/bookings/{token}/context", { params: { path: { token } } })),
    ]);
    if (!booking.ok) return setState({ status: "failed", failure: booking.failure });
    if (!context.ok) return setState({ status: "failed", failure: context.failure });
    setState({ status: "ready", booking: booking.data, context: context.data });
  }, [token]);
  useEffect(() => {
    void load();
  }, [load]);
  return {
    state,
    reload: load,
    setBooking: (booking: Booking) =>
      setState((value) => (value.status === "ready" ? { ...value, booking } : value)),
  };
}

function StatusLine(props: { booking: Booking }) {
  const { t } = useI18n();
  if (props.booking.status === "cancelled")
    return (
      <div className="notice" role="status">
        <p>{t("statusCancelled")}</p>
        {props.booking.cancelReason ? (
          <p className="muted small">
            {t("reason")}: {props.booking.cancelReason}
          </p>
        ) : null}
      </div>
    );
  if (props.booking.status === "rejected")
    return (
      <div className="notice" role="status">
        <p>{t("statusRejected")}</p>
      </div>
    );
  return null;
}

/** The booking behind the link, with reschedule and cancel. */
export function ManagePage(props: {
  token: string;
  view: ManageView;
  booking: Booking;
  context: LinkContext;
  zone: string;
  clock: Clock;
  onZone: (zone: string) => void;
  onClock: (clock: Clock) => void;
  onBooking: (booking: Booking) => void;
}) {
  const { t } = useI18n();
  const { booking, context, zone, clock } = props;
  const [view, setView] = useState<ManageView>(props.view);
  const [moved, setMoved] = useState<{ start: string; end: string } | undefined>();
  const [cancelledNow, setCancelledNow] = useState(false);
  const active = booking.status === "confirmed" || booking.status === "pending";
  const go = (next: ManageView) => {
    const base = `/v1/public/bookings/${encodeURIComponent(props.token)}`;
    window.history.pushState(null, "", next === "manage" ? base : `${base}/${next}`);
    setView(next);
  };
  useEffect(() => {
    const onPop = () => setView(manageRoute(window.location.pathname)?.view ?? "manage");
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  if (moved)
    return (
      <div className="narrow">
        <Confirmation
          booking={booking}
          event={context}
          zone={zone}
          clock={clock}
          heading={t("rescheduled")}
          formerStart={moved}
        />
      </div>
    );
  if (view === "reschedule" && active)
    return (
      <Reschedule
        {...props}
        onDone={(updated) => {
          setMoved({ start: booking.start, end: booking.end });
          props.onBooking(updated);
        }}
        onBack={() => go("manage")}
      />
    );
  if (cancelledNow)
    return (
      <div className="narrow">
        <Cancelled {...props} />
      </div>
    );
  if (view === "cancel" && active)
    return (
      <div className="narrow">
        <Cancel
          {...props}
          onDone={(updated) => {
            setCancelledNow(true);
            props.onBooking(updated);
          }}
          onBack={() => go("manage")}
        />
      </div>
    );
  return (
    <div className="manage narrow">
      <h1 tabIndex={-1}>{t("bookingTitle")}</h1>
      <StatusLine booking={booking} />
      <BookingDetails booking={booking} event={context} zone={zone} clock={clock} />
      {active ? (
        <>
          <div className="actions">
            <a
              className="button primary"
              href={samePath(`/v1/public/bookings/${encodeURIComponent(props.token)}/reschedule`)}
              onClick={(event) => {
                event.preventDefault();
                go("reschedule");
              }}
            >
              {t("reschedule")}
            </a>
            <a
              className="button secondary danger"
              href={samePath(`/v1/public/bookings/${encodeURIComponent(props.token)}/cancel`)}
              onClick={(event) => {
                event.preventDefault();
                go("cancel");
              }}
            >
              {t("cancel")}
            </a>
          </div>
          <AddToCalendar booking={booking} event={context} />
        </>
      ) : null}
    </div>
  );
}

function Reschedule(props: {
  token: string;
  booking: Booking;
  context: LinkContext;
  zone: string;
  clock: Clock;
  onZone: (zone: string) => void;
  onClock: (clock: Clock) => void;
  onDone: (booking: Booking) => void;
  onBack: () => void;
}) {
  const { t, language } = useI18n();
  const { booking, context, zone, clock } = props;
  const [chosen, setChosen] = useState<PickedSlot | undefined>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>();
  const [taken, setTaken] = useState<{ slot: PickedSlot; nearby: PickedSlot[] } | undefined>();
  const duration = Math.round((Date.parse(booking.end) - Date.parse(booking.start)) / 60_000);

  const move = async (slot: PickedSlot) => {
    setBusy(true);
    setFailure(undefined);
    const answer = await call(() =>
      api.POST("/v1/public/bookings/{token}/reschedule", {
        params: { path: { token: props.token } },
        body: { start: slot.start },
      }),
    );
    setBusy(false);
    if (answer.ok) {
      forgetSlots();
      return props.onDone(answer.data);
    }
    if (answer.failure.kind === "taken") {
      forgetSlots();
      const nearby =
        answer.failure.nextSlots.length > 0
          ? answer.failure.nextSlots
          : await nearbySlots({
              tenantSlug: context.tenantSlug,
              eventTypeSlug: context.eventTypeSlug,
              zone,
              duration,
              around: slot.start,
            });
      setChosen(undefined);
      return setTaken({ slot, nearby: nearby.slice(0, 5) });
    }
    setFailure(answer.failure);
  };

  return (
    <div className="booking-layout">
      <EventSummary event={context} duration={duration}>
        <p className="chosen former-line">
          <span className="muted small">{t("formerTime")}</span>
          <s>{formatRange(booking.start, booking.end, zone, language, clock)}</s>
        </p>
        {chosen ? (
          <p className="chosen">
            <span className="muted small">{t("newTime")}</span>
            <span>{formatRange(chosen.start, chosen.end, zone, language, clock)}</span>
          </p>
        ) : null}
      </EventSummary>
      <div className="booking-main">
        <h2 className="page-heading" tabIndex={-1}>
          {t("rescheduleTitle")}
        </h2>
        {failure ? (
          <FailureNotice failure={failure} onRetry={chosen ? () => void move(chosen) : undefined} />
        ) : null}
        {taken ? (
          <TakenPanel
            taken={taken.slot.start}
            nearby={taken.nearby}
            zone={zone}
            clock={clock}
            busy={busy}
            onTake={(slot) => void move(slot)}
            onPickAnother={() => setTaken(undefined)}
          />
        ) : chosen ? (
          <div className="confirm-move">
            <button
              type="button"
              className="button primary wide"
              disabled={busy}
              onClick={() => void move(chosen)}
            >
              {busy
                ? t("rescheduling")
                : t("confirmReschedule", {
                    time: formatRange(chosen.start, chosen.end, zone, language, clock),
                  })}
            </button>
            <button type="button" className="button link" onClick={() => setChosen(undefined)}>
              {t("pickAnother")}
            </button>
          </div>
        ) : (
          <SlotPicker
            tenantSlug={context.tenantSlug}
            eventTypeSlug={context.eventTypeSlug}
            duration={duration}
            zone={zone}
            clock={clock}
            onZone={props.onZone}
            onClock={props.onClock}
            onPick={setChosen}
            exclude={booking.start}
          />
        )}
        <button type="button" className="button link back" onClick={props.onBack}>
          <span aria-hidden="true">←</span> {t("back")}
        </button>
      </div>
    </div>
  );
}

function Cancel(props: {
  token: string;
  booking: Booking;
  context: LinkContext;
  zone: string;
  clock: Clock;
  onDone: (booking: Booking) => void;
  onBack: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [reason, setReason] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>();
  const input = useRef<HTMLTextAreaElement>(null);
  const missing = reason.trim() === "";

  const submit = async () => {
    setTouched(true);
    if (missing) return input.current?.focus();
    setBusy(true);
    setFailure(undefined);
    const answer = await call(() =>
      api.POST("/v1/public/bookings/{token}/cancel", {
        params: { path: { token: props.token } },
        body: { reason: reason.trim() },
      }),
    );
    setBusy(false);
    if (!answer.ok) return setFailure(answer.failure);
    forgetSlots();
    props.onDone(answer.data);
  };

  return (
    <div className="manage">
      <h1 tabIndex={-1}>{t("cancelTitle")}</h1>
      <BookingDetails booking={props.booking} event={props.context} zone={props.zone} clock={props.clock} />
      <form
        className="booking-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {failure ? <FailureNotice failure={failure} onRetry={() => void submit()} /> : null}
        <div className="field">
          <label htmlFor={`${id}-reason`}>
            {t("cancelReason")}{" "}
            <span className="req" aria-hidden="true">
              *
            </span>
          </label>
          <p className="muted small" id={`${id}-help`}>
            {t("cancelReasonHelp")}
          </p>
          <textarea
            ref={input}
            id={`${id}-reason`}
            name="reason"
            rows={4}
            required
            aria-invalid={touched && missing ? true : undefined}
            aria-describedby={touched && missing ? `${id}-help ${id}-error` : `${id}-help`}
            value={reason}
            onBlur={() => setTouched(true)}
            onChange={(event) => setReason(event.target.value)}
          />
          {touched && missing ? (
            <p className="field-error" id={`${id}-error`}>
              {t("reasonRequired")}
            </p>
          ) : null}
        </div>
        <div className="actions">
          <button type="submit" className="button danger-fill" disabled={busy}>
            {busy ? t("cancelling") : t("confirmCancel")}
          </button>
          <button type="button" className="button secondary" onClick={props.onBack}>
            {t("keepBooking")}
          </button>
        </div>
      </form>
    </div>
  );
}

function Cancelled(props: { booking: Booking; context: LinkContext; zone: string; clock: Clock }) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="manage">
      <h1 ref={heading} tabIndex={-1}>
        {t("cancelled")}
      </h1>
      <p className="muted">{t("cancelledText")}</p>
      <BookingDetails booking={props.booking} event={props.context} zone={props.zone} clock={props.clock} />
      {props.booking.cancelReason ? (
        <p className="muted small">
          {t("reason")}: {props.booking.cancelReason}
        </p>
      ) : null}
    </div>
  );
}
