import type { Booking } from "../shared/api.ts";
import { samePath } from "../shared/api.ts";
import { googleCalendarUrl, outlookCalendarUrl } from "../shared/calendar-links.ts";
import { useI18n } from "../shared/i18n.ts";
import { type Clock, formatRange, zoneOffset } from "../shared/time-format.ts";
import { type EventInfo, locationLabelKey } from "./event-summary.tsx";

const zoneName = (zone: string) => zone.replaceAll("_", " ");

function whereOf(location: unknown): { kind: string; value?: string } | undefined {
  if (!location || typeof location !== "object") return undefined;
  const { kind, value } = location as { kind?: unknown; value?: unknown };
  if (typeof kind !== "string") return undefined;
  return typeof value === "string" && value ? { kind, value } : { kind };
}

/** What / When (the visitor's zone, and the host's when it differs) / Who / Where of a booking. */
export function BookingDetails(props: {
  booking: Booking;
  event: EventInfo;
  zone: string;
  clock: Clock;
  formerStart?: { start: string; end: string } | undefined;
}) {
  const { t, language } = useI18n();
  const { booking, event, zone, clock } = props;
  const hostZone = event.hosts[0]?.timeZone;
  const showHost =
    hostZone && zoneOffset(hostZone, new Date(booking.start)) !== zoneOffset(zone, new Date(booking.start));
  const where = whereOf(booking.location);
  const whereKey = where ? locationLabelKey(where.kind) : undefined;
  const isUrl = where?.value ? /^https?:\/\//.test(where.value) : false;
  return (
    <dl className="details">
      <div>
        <dt>{t("what")}</dt>
        <dd>{event.title}</dd>
      </div>
      <div>
        <dt>{t("when")}</dt>
        <dd>
          {props.formerStart ? (
            <s className="former">
              <span className="visually-hidden">{t("formerTime")}: </span>
              {formatRange(props.formerStart.start, props.formerStart.end, zone, language, clock)}
            </s>
          ) : null}
          <span className="when">{formatRange(booking.start, booking.end, zone, language, clock)}</span>
          <span className="muted small">
            {zoneName(zone)} ({zoneOffset(zone, new Date(booking.start))})
          </span>
          {showHost ? (
            <span className="muted small">
              {t("hostTime", {
                time: formatRange(booking.start, booking.end, hostZone, language, clock),
                zone: zoneName(hostZone),
              })}
            </span>
          ) : null}
        </dd>
      </div>
      <div>
        <dt>{t("who")}</dt>
        <dd>
          {[...event.hosts.map((host) => host.name), booking.attendee.name].filter(Boolean).join(", ")}
          <span className="muted small">{booking.attendee.email}</span>
        </dd>
      </div>
      {where ? (
        <div>
          <dt>{t("where")}</dt>
          <dd>
            {where.value && isUrl ? (
              <a href={where.value} target="_blank" rel="noopener noreferrer">
                {t("joinMeeting")}
              </a>
            ) : (
              (where.value ?? (whereKey ? t(whereKey) : where.kind))
            )}
            {where.value && isUrl ? <span className="muted small break">{where.value}</span> : null}
          </dd>
        </div>
      ) : null}
    </dl>
  );
}

/** .ics download through the booking's own link, and Google Calendar / Outlook web links. */
export function AddToCalendar(props: { booking: Booking; event: EventInfo }) {
  const { t } = useI18n();
  const { booking, event } = props;
  const where = whereOf(booking.location);
  const manage = booking.links?.manage;
  const entry = {
    title: event.title,
    start: booking.start,
    end: booking.end,
    details: [event.description ?? "", manage ? `${manage}` : ""].filter(Boolean).join("\n\n"),
    location: where?.value ?? "",
  };
  return (
    <section className="add-to-calendar" aria-labelledby="add-heading">
      <h2 id="add-heading">{t("addToCalendar")}</h2>
      <div className="calendar-buttons">
        <a
          className="button secondary"
          href={googleCalendarUrl(entry)}
          target="_blank"
          rel="noopener noreferrer"
        >
          Google Calendar
        </a>
        <a
          className="button secondary"
          href={outlookCalendarUrl(entry)}
          target="_blank"
          rel="noopener noreferrer"
        >
          Outlook
        </a>
        {booking.links?.ics ? (
          <a className="button secondary" href={samePath(booking.links.ics)} download>
            {t("downloadIcs")}
          </a>
        ) : null}
      </div>
    </section>
  );
}

/** The page after booking (or moving): a clear heading, the details, calendar links and the manage link. */
export function Confirmation(props: {
  booking: Booking;
  event: EventInfo;
  zone: string;
  clock: Clock;
  heading?: string;
  formerStart?: { start: string; end: string } | undefined;
}) {
  const { t } = useI18n();
  const { booking } = props;
  const pending = booking.status === "pending";
  return (
    <div className="confirmation">
      <div className="success-mark">
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path
            d="M5 12.5 10 17 19 7.5"
            fill="none"
            stroke="currentColor"
            strokeWidth="2.5"
            strokeLinecap="round"
          />
        </svg>
      </div>
      <h1 tabIndex={-1} id="confirmation-heading">
        {props.heading ?? (pending ? t("pending") : t("booked"))}
      </h1>
      <p className="muted">
        {pending
          ? t("pendingText", { email: booking.attendee.email })
          : t("bookedText", { email: booking.attendee.email })}
      </p>
      <BookingDetails {...props} />
      <AddToCalendar booking={booking} event={props.event} />
      {booking.links?.manage ? (
        <p className="manage-link">
          <a href={samePath(booking.links.manage)}>{t("manageBooking")}</a>
        </p>
      ) : null}
    </div>
  );
}
