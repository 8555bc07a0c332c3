import type { ReactNode } from "react";
import { type MessageKey, useI18n } from "../shared/i18n.ts";

export interface EventInfo {
  title: string;
  description: string | null;
  durations?: number[];
  location: { kind: string } | null;
  hosts: Array<{ name: string; timeZone: string }>;
  requiresConfirmation?: boolean;
}

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join("");

function Icon(props: { path: string }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 20 20" className="meta-icon">
      <path d={props.path} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}
const CLOCK = "M10 17.5a7.5 7.5 0 1 0 0-15 7.5 7.5 0 0 0 0 15ZM10 6v4l2.5 2.5";
const PIN =
  "M10 17.5s5.5-5 5.5-9.5a5.5 5.5 0 0 0-11 0c0 4.5 5.5 9.5 5.5 9.5Zm0-7.5a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z";
const VIDEO = "M3 6.5h9v7H3zM12 9l5-3v8l-5-3";
const PHONE =
  "M5 3h3l1.5 4-2 1.2a9 9 0 0 0 4.3 4.3l1.2-2L17 12v3a2 2 0 0 1-2 2A12 12 0 0 1 3 5a2 2 0 0 1 2-2Z";

export function locationLabelKey(kind: string): MessageKey | undefined {
  const key = `location_${kind}` as MessageKey;
  return ["link", "teams", "meet", "phone", "address"].includes(kind) ? key : undefined;
}

/** The event panel: hosts, title, duration (a choice when several are offered), location kind, description. */
export function EventSummary(props: {
  event: EventInfo;
  duration: number | undefined;
  onDuration?: (minutes: number) => void;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const { event } = props;
  const durations = event.durations ?? [];
  const locationKey = event.location ? locationLabelKey(event.location.kind) : undefined;
  return (
    <section className="event" aria-labelledby="event-title">
      {event.hosts.length > 0 ? (
        <div className="hosts">
          <div className="avatars" aria-hidden="true">
            {event.hosts.slice(0, 3).map((host) => (
              <span key={host.name} className="avatar">
                {initials(host.name)}
              </span>
            ))}
          </div>
          <p className="host-names">{event.hosts.map((host) => host.name).join(", ")}</p>
        </div>
      ) : null}
      <h1 id="event-title">{event.title}</h1>
      <ul className="event-meta">
        {props.duration !== undefined ? (
          <li>
            <Icon path={CLOCK} />
            {durations.length > 1 && props.onDuration ? (
              <fieldset className="durations">
                <legend className="visually-hidden">{t("duration")}</legend>
                {durations.map((minutes) => (
                  <button
                    key={minutes}
                    type="button"
                    className="chip"
                    aria-pressed={props.duration === minutes}
                    onClick={() => props.onDuration?.(minutes)}
                  >
                    {t("minutes", { n: minutes })}
                  </button>
                ))}
              </fieldset>
            ) : (
              <span>{t("minutes", { n: props.duration })}</span>
            )}
          </li>
        ) : null}
        {locationKey ? (
          <li>
            <Icon
              path={
                event.location?.kind === "phone" ? PHONE : event.location?.kind === "address" ? PIN : VIDEO
              }
            />
            <span>{t(locationKey)}</span>
          </li>
        ) : null}
      </ul>
      {props.children}
      {event.description ? <p className="description">{event.description}</p> : null}
      {event.requiresConfirmation ? <p className="muted small">{t("requiresConfirmation")}</p> : null}
    </section>
  );
}
