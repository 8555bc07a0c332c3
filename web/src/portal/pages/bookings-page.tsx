import { useEffect, useId, useRef, useState } from "react";
import { api, type Booking, ok, type Session } from "../api.ts";
import { browserTimeZone, formatDateTime } from "../format.ts";
import { useI18n } from "../i18n.tsx";
import type { MessageKey } from "../messages.ts";
import { useLoad } from "../use-load.ts";
import { SlotsPreview } from "./availability-page.tsx";

const STATUS_LABELS: Record<Booking["status"], MessageKey> = {
  confirmed: "statusConfirmed",
  pending: "statusPending",
  cancelled: "statusCancelled",
  rejected: "statusRejected",
};

type Dialog = { kind: "cancel" | "reschedule"; booking: Booking } | undefined;

/** Bookings: upcoming and past, with cancel and reschedule; and the export feed's address to copy. */
export function BookingsPage({ session }: { session: Session }) {
  const { t, lang } = useI18n();
  const hostId = session.host.id;
  const [tab, setTab] = useState<"upcoming" | "past">("upcoming");
  const [dialog, setDialog] = useState<Dialog>();
  const zone = browserTimeZone();
  const bookings = useLoad(async () => {
    const now = new Date().toISOString();
    const query = tab === "upcoming" ? { from: now, limit: 200 } : { to: now, limit: 200 };
    const rows = ok(
      await api.GET("/portal/api/hosts/{hostId}/bookings", { params: { path: { hostId }, query } }),
      t("retry"),
    ).data;
    return tab === "upcoming" ? rows : [...rows].reverse();
  }, [hostId, tab]);

  return (
    <>
      <h1>{t("bookingsTitle")}</h1>
      <fieldset className="segmented">
        <legend className="visually-hidden">{t("bookingsTitle")}</legend>
        {(["upcoming", "past"] as const).map((value) => (
          <button
            key={value}
            type="button"
            aria-pressed={tab === value}
            className={tab === value ? "active" : ""}
            onClick={() => setTab(value)}
          >
            {t(value)}
          </button>
        ))}
      </fieldset>
      {bookings.error && (
        <p className="notice error" role="alert">
          {bookings.error}
        </p>
      )}
      {bookings.data?.length === 0 && (
        <p className="empty">{t(tab === "upcoming" ? "noUpcoming" : "noPast")}</p>
      )}
      <ul className="booking-list">
        {(bookings.data ?? []).map((booking) => (
          <li key={booking.id} className="card booking">
            <div className="booking-when">
              <time dateTime={booking.start}>{formatDateTime(booking.start, lang, zone)}</time>
              <span className="muted small">
                {Math.round((Date.parse(booking.end) - Date.parse(booking.start)) / 60_000)} min
              </span>
            </div>
            <div className="booking-who">
              <strong>{booking.attendee.name}</strong>
              <span className="muted small">{booking.attendee.email}</span>
              {booking.cancelReason && <span className="muted small">“{booking.cancelReason}”</span>}
            </div>
            <span className={`badge status-${booking.status}`}>{t(STATUS_LABELS[booking.status])}</span>
            {tab === "upcoming" && (booking.status === "confirmed" || booking.status === "pending") && (
              <div className="actions">
                <button
                  type="button"
                  className="button"
                  onClick={() => setDialog({ kind: "reschedule", booking })}
                >
                  {t("reschedule")}
                </button>
                <button
                  type="button"
                  className="button danger"
                  onClick={() => setDialog({ kind: "cancel", booking })}
                >
                  {t("cancelBooking")}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      <ExportFeed hostId={hostId} />
      {dialog && (
        <BookingDialog
          dialog={dialog}
          hostId={hostId}
          timeZone={zone}
          onClose={async (changed) => {
            setDialog(undefined);
            if (changed) await bookings.reload();
          }}
        />
      )}
    </>
  );
}

function BookingDialog(props: {
  dialog: NonNullable<Dialog>;
  hostId: string;
  timeZone: string;
  onClose: (changed: boolean) => void;
}) {
  const { t, lang } = useI18n();
  const { booking, kind } = props.dialog;
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string>();
  const [picked, setPicked] = useState<string>();
  const titleId = useId();
  const path = { params: { path: { hostId: props.hostId, bookingId: booking.id } } };
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const run = async (action: () => Promise<unknown>) => {
    try {
      await action();
      props.onClose(true);
    } catch (problem) {
      setError((problem as Error).message);
    }
  };
  const duration = Math.round((Date.parse(booking.end) - Date.parse(booking.start)) / 60_000);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={() => props.onClose(false)}>
      <h2 id={titleId}>
        {t(kind === "cancel" ? "cancelTitle" : "rescheduleTitle", { name: booking.attendee.name })}
      </h2>
      <p className="muted">{formatDateTime(booking.start, lang, props.timeZone)}</p>
      {kind === "cancel" ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const reason = String(new FormData(event.currentTarget).get("reason") ?? "");
            void run(async () =>
              ok(
                await api.POST("/portal/api/hosts/{hostId}/bookings/{bookingId}/cancel", {
                  ...path,
                  body: { reason },
                }),
                "",
              ),
            );
          }}
        >
          <label className="field">
            <span>{t("cancelReason")}</span>
            <textarea name="reason" required maxLength={1000} rows={3} />
          </label>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="button" className="button" onClick={() => props.onClose(false)}>
              {t("keepBooking")}
            </button>
            <button type="submit" className="button danger-solid">
              {t("cancelConfirm")}
            </button>
          </div>
        </form>
      ) : (
        <>
          <SlotsPreview
            hostId={props.hostId}
            timeZone={props.timeZone}
            version={0}
            duration={duration}
            heading={t("rescheduleChoose")}
            onPick={setPicked}
          />
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="button" className="button" onClick={() => props.onClose(false)}>
              {t("cancel")}
            </button>
            <button
              type="button"
              className="button primary"
              disabled={!picked}
              onClick={() =>
                void run(async () =>
                  ok(
                    await api.POST("/portal/api/hosts/{hostId}/bookings/{bookingId}/reschedule", {
                      ...path,
                      body: { start: picked! },
                    }),
                    "",
                  ),
                )
              }
            >
              {picked
                ? t("rescheduleConfirm", { time: formatDateTime(picked, lang, props.timeZone) })
                : t("reschedule")}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}

function ExportFeed({ hostId }: { hostId: string }) {
  const { t } = useI18n();
  const path = { params: { path: { hostId } } };
  const feeds = useLoad(
    async () => ok(await api.GET("/portal/api/hosts/{hostId}/feeds", path), "").data,
    [hostId],
  );
  const [url, setUrl] = useState<string>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();
  const existing = feeds.data?.[0];
  const fieldId = useId();
  const issue = async () => {
    try {
      const issued = existing
        ? ok(
            await api.POST("/portal/api/hosts/{hostId}/feeds/{feedId}/rotate", {
              params: { path: { hostId, feedId: existing.id } },
            }),
            "",
          )
        : ok(await api.POST("/portal/api/hosts/{hostId}/feeds", { ...path, body: {} }), "");
      setUrl(issued.url);
      setCopied(false);
      await feeds.reload();
    } catch (problem) {
      setError((problem as Error).message);
    }
  };
  return (
    <section className="card section-card feed" aria-labelledby="feed-heading">
      <h2 id="feed-heading">{t("feedTitle")}</h2>
      <p className="muted small">{t("feedHelp")}</p>
      {url ? (
        <div className="copy-row">
          <label htmlFor={fieldId} className="visually-hidden">
            {t("feedUrl")}
          </label>
          <input id={fieldId} readOnly value={url} onFocus={(event) => event.currentTarget.select()} />
          <button
            type="button"
            className="button primary"
            onClick={async () => {
              await navigator.clipboard?.writeText(url).catch(() => undefined);
              setCopied(true);
            }}
          >
            {copied ? `✓ ${t("copied")}` : t("copy")}
          </button>
        </div>
      ) : (
        <>
          {existing && <p className="small">{t("feedRotateHint")}</p>}
          <button type="button" className="button" onClick={() => void issue()}>
            {existing ? t("feedRotate") : t("feedCreate")}
          </button>
        </>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
