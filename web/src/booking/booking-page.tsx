import { useEffect, useRef, useState } from "react";
import { api, type Booking, call, type Failure } from "../shared/api.ts";
import { postBooked } from "../shared/embed-bridge.ts";
import { placeHold, releaseHold } from "../shared/holds.ts";
import { useI18n } from "../shared/i18n.ts";
import { forgetSlots } from "../shared/month-slots.ts";
import { FailureNotice } from "../shared/notice.tsx";
import { type PickedSlot, SlotPicker } from "../shared/slot-picker.tsx";
import { type Clock, formatRange, formatTime } from "../shared/time-format.ts";
import { Confirmation } from "./booking-details.tsx";
import { answersFor, BookingForm, type FormValues, type Question } from "./booking-form.tsx";
import { type EventInfo, EventSummary } from "./event-summary.tsx";
import { nearbySlots, TakenPanel } from "./taken-panel.tsx";

export interface PublicEventType extends EventInfo {
  slug: string;
  durations: number[];
  questions: unknown[];
  brand: { name: string; color?: string; logoUrl?: string };
}

type Step =
  | { kind: "pick" }
  | { kind: "form"; slot: PickedSlot; hold?: { token: string; expiresAt: string } }
  | { kind: "taken"; slot: PickedSlot; nearby: PickedSlot[] }
  | { kind: "done"; booking: Booking };

/** The public booking page: pick a time, fill the form, see the confirmation; a lost race offers nearby times. */
export function BookingPage(props: {
  tenantSlug: string;
  eventType: PublicEventType;
  zone: string;
  clock: Clock;
  onZone: (zone: string) => void;
  onClock: (clock: Clock) => void;
}) {
  const { t, language } = useI18n();
  const { tenantSlug, eventType, zone, clock } = props;
  const [duration, setDuration] = useState<number | undefined>(eventType.durations[0]);
  const [step, setStep] = useState<Step>({ kind: "pick" });
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ failure: Failure; retry: () => void } | undefined>();
  const [serverErrors, setServerErrors] = useState<{ fields: Record<string, string>; message?: string }>({
    fields: {},
  });
  const idempotency = useRef<string>("");
  const lastValues = useRef<FormValues | undefined>(undefined);
  const headingRef = useRef<HTMLDivElement>(null);
  const where = { tenantSlug, eventTypeSlug: eventType.slug };

  // Focus follows the step, so keyboard and screen-reader users land on what changed.
  const shownKind = useRef(step.kind);
  useEffect(() => {
    if (shownKind.current === step.kind) return;
    shownKind.current = step.kind;
    headingRef.current
      ?.querySelector<HTMLElement>(".booking-main h1[tabindex], .booking-main h2[tabindex]")
      ?.focus();
  });

  const holdToken = step.kind === "form" ? step.hold?.token : undefined;
  useEffect(() => {
    if (!holdToken) return;
    const release = () => releaseHold({ tenantSlug, eventTypeSlug: eventType.slug, token: holdToken });
    window.addEventListener("pagehide", release);
    return () => window.removeEventListener("pagehide", release);
  }, [holdToken, tenantSlug, eventType.slug]);

  const choose = async (slot: PickedSlot) => {
    setFailure(undefined);
    setServerErrors({ fields: {} });
    idempotency.current = crypto.randomUUID();
    setBusy(true);
    const hold = await placeHold({ ...where, start: slot.start, ...(duration ? { duration } : {}) });
    setBusy(false);
    if (hold.kind === "taken") return showTaken(slot, []);
    setStep({ kind: "form", slot, ...(hold.kind === "held" ? { hold } : {}) });
  };

  const showTaken = async (slot: PickedSlot, suggested: PickedSlot[]) => {
    forgetSlots();
    const nearby =
      suggested.length > 0 ? suggested : await nearbySlots({ ...where, zone, duration, around: slot.start });
    setStep({ kind: "taken", slot, nearby: nearby.slice(0, 5) });
  };

  const back = () => {
    if (holdToken) releaseHold({ ...where, token: holdToken });
    setStep({ kind: "pick" });
  };

  const book = async (slot: PickedSlot, values: FormValues, hold?: string) => {
    lastValues.current = values;
    setBusy(true);
    setFailure(undefined);
    const answer = await call(() =>
      api.POST("/v1/public/{tenantSlug}/{eventTypeSlug}/bookings", {
        params: {
          path: where,
          header: { "idempotency-key": idempotency.current },
        },
        body: {
          start: slot.start,
          ...(duration ? { duration } : {}),
          timeZone: zone,
          name: values.name.trim(),
          email: values.email.trim(),
          answers: answersFor(values, eventType.questions as Question[]),
          ...(values.notes.trim() ? { notes: values.notes.trim() } : {}),
          ...(hold ? { holdToken: hold } : {}),
        } as never,
      }),
    );
    setBusy(false);
    if (answer.ok) {
      forgetSlots();
      postBooked(answer.data, eventType.slug);
      setStep({ kind: "done", booking: answer.data });
      return;
    }
    const problem = answer.failure;
    if (problem.kind === "taken") return showTaken(slot, problem.nextSlots);
    if (problem.kind === "invalid" || problem.kind === "conflict") {
      const fields = problem.kind === "invalid" ? problem.fields : {};
      const known = Object.keys(fields).some((field) =>
        [
          "name",
          "email",
          "notes",
          ...(eventType.questions as Question[]).map((question) => question.id),
        ].includes(field),
      );
      setServerErrors({ fields, ...(known ? {} : { message: problem.message }) });
      return;
    }
    setFailure({ failure: problem, retry: () => void book(slot, values, hold) });
  };

  // One click on a nearby time books it with the details already given (or asks for them, if none were).
  const takeNearby = (slot: PickedSlot) => {
    idempotency.current = crypto.randomUUID();
    if (lastValues.current) void book(slot, lastValues.current);
    else void choose(slot);
  };

  let content: React.ReactNode;
  if (step.kind === "done") {
    content = <Confirmation booking={step.booking} event={eventType} zone={zone} clock={clock} />;
  } else if (step.kind === "taken") {
    content = (
      <>
        {failure ? <FailureNotice failure={failure.failure} onRetry={failure.retry} /> : null}
        {serverErrors.message || Object.keys(serverErrors.fields).length > 0 ? (
          <div className="notice notice-error" role="alert">
            <p>{serverErrors.message ?? Object.values(serverErrors.fields).join(" ")}</p>
          </div>
        ) : null}
        <TakenPanel
          taken={step.slot.start}
          nearby={step.nearby}
          zone={zone}
          clock={clock}
          busy={busy}
          onTake={takeNearby}
          onPickAnother={() => setStep({ kind: "pick" })}
        />
      </>
    );
  } else if (step.kind === "form") {
    content = (
      <div className="form-step">
        <button type="button" className="button link back" onClick={back}>
          <span aria-hidden="true">←</span> {t("back")}
        </button>
        {step.hold ? (
          <p className="notice">
            {t("held", { time: formatTime(step.hold.expiresAt, zone, language, clock) })}
          </p>
        ) : null}
        {failure ? <FailureNotice failure={failure.failure} onRetry={failure.retry} /> : null}
        <BookingForm
          questions={eventType.questions as Question[]}
          busy={busy}
          serverErrors={serverErrors.fields}
          serverMessage={serverErrors.message}
          onSubmit={(values) => void book(step.slot, values, step.hold?.token)}
        />
      </div>
    );
  } else {
    content = (
      <SlotPicker
        tenantSlug={tenantSlug}
        eventTypeSlug={eventType.slug}
        duration={duration}
        zone={zone}
        clock={clock}
        onZone={props.onZone}
        onClock={props.onClock}
        onPick={(slot) => void choose(slot)}
      />
    );
  }

  const chosen = step.kind === "form" ? step.slot : undefined;
  return (
    <div className={`booking-layout step-${step.kind}`} ref={headingRef}>
      {step.kind === "done" ? null : (
        <EventSummary
          event={eventType}
          duration={duration}
          {...(step.kind === "pick" ? { onDuration: setDuration } : {})}
        >
          {chosen ? (
            <p className="chosen">
              <svg aria-hidden="true" viewBox="0 0 20 20" className="meta-icon">
                <path
                  d="M3 5.5h14v11H3zM3 8.5h14M7 3v4M13 3v4"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="1.5"
                />
              </svg>
              <span>{formatRange(chosen.start, chosen.end, zone, language, clock)}</span>
            </p>
          ) : null}
        </EventSummary>
      )}
      <div className="booking-main">{content}</div>
    </div>
  );
}
