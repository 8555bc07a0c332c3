import { type FormEvent, useEffect, useId, useState } from "react";
import { api, type Connection, ok, type Provider, type Session } from "../api.ts";
import { formatRelative } from "../format.ts";
import { useI18n } from "../i18n.tsx";
import type { MessageKey } from "../messages.ts";
import { useLoad } from "../use-load.ts";

const STATE_LABELS: Record<string, MessageKey> = {
  connected: "stateConnected",
  pending: "statePending",
  needs_reauth: "stateNeedsReauth",
  error: "stateError",
  blocked: "stateBlocked",
  disconnected: "stateDisconnected",
};

/** Calendars: the host's connections with their state, and the providers this installation offers to add. */
export function CalendarsPage({ session }: { session: Session }) {
  const { t } = useI18n();
  const hostId = session.host.id;
  const path = { params: { path: { hostId } } };
  const connections = useLoad(
    async () => ok(await api.GET("/portal/api/hosts/{hostId}/connections", path), t("retry")).data,
    [hostId],
  );
  const providers = useLoad(
    async () => ok(await api.GET("/portal/api/hosts/{hostId}/providers", path), t("retry")).providers,
    [hostId],
  );
  const returned = new URLSearchParams(window.location.search);
  const [returnNotice, setReturnNotice] = useState(() => returned.get("status"));
  const returnError = returned.get("error");

  useEffect(() => {
    if (returnNotice) window.history.replaceState(null, "", "/portal/calendars");
  }, [returnNotice]);

  // While something syncs, the states are read again every few seconds.
  const syncing = connections.data?.some((connection) => shownState(connection) === "pending") ?? false;
  useEffect(() => {
    if (!syncing) return;
    const timer = window.setInterval(() => void connections.reload(), 2500);
    return () => window.clearInterval(timer);
  }, [syncing, connections.reload]);

  const visible = (connections.data ?? []).filter((connection) => connection.status !== "disconnected");

  return (
    <>
      <h1>{t("calendarsTitle")}</h1>
      <p className="lead">{t("calendarsLead")}</p>
      {returnNotice === "connected" && (
        <p className="notice success" role="status">
          {t("returnConnected")}{" "}
          <button type="button" className="link-button" onClick={() => setReturnNotice(null)}>
            {t("close")}
          </button>
        </p>
      )}
      {returnNotice === "failed" && (
        <p className="notice error" role="alert">
          {t("returnFailed", { error: returnError ?? "?" })}
        </p>
      )}
      <section aria-labelledby="connections-heading" className="section">
        <h2 id="connections-heading">{t("connectedTitle")}</h2>
        {connections.error && (
          <p className="notice error" role="alert">
            {connections.error}
          </p>
        )}
        {connections.data === undefined && !connections.error && <p className="muted">{t("loading")}</p>}
        {connections.data && visible.length === 0 && <p className="empty">{t("noConnections")}</p>}
        <ul className="connection-list">
          {visible.map((connection) => (
            <li key={connection.id}>
              <ConnectionCard
                connection={connection}
                hostId={hostId}
                providers={providers.data ?? []}
                onChange={connections.reload}
              />
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="add-heading" className="section">
        <h2 id="add-heading">{t("addTitle")}</h2>
        {providers.error && (
          <p className="notice error" role="alert">
            {providers.error}
          </p>
        )}
        <div className="provider-grid">
          {(providers.data ?? [])
            .filter((provider) => provider.method === "oauth")
            .map((provider) => (
              <OAuthTile key={provider.id} provider={provider} hostId={hostId} />
            ))}
        </div>
        <div className="form-grid">
          {(providers.data ?? []).map((provider) =>
            provider.method === "credentials" ? (
              <CalDavForm
                key={provider.id}
                provider={provider}
                hostId={hostId}
                onAdded={connections.reload}
              />
            ) : provider.method === "url" ? (
              <IcsForm key={provider.id} provider={provider} hostId={hostId} onAdded={connections.reload} />
            ) : null,
          )}
        </div>
      </section>
    </>
  );
}

/**
 * The state shown: a connection is still syncing (with progress) until each of its calendars has been read once,
 * even when the provider already answered the connect (an OAuth connection is connected before its first sync).
 */
function shownState(connection: Connection): string {
  if (connection.status !== "connected") return connection.status;
  const unread = blockingCalendars(connection).some(
    (calendar) => calendar.lastSuccessAt === null && calendar.lastError === null,
  );
  return connection.lastSyncedAt === null || unread ? "pending" : "connected";
}

/** The calendars that are read (blocking); the others are listed but never synced. */
function blockingCalendars(connection: Connection) {
  return connection.calendars.filter((calendar) => !calendar.removed && calendar.blocking);
}

/** Starts the OAuth flow: the connection is created pending and the browser goes to the provider's consent page. */
async function startOAuth(params: { hostId: string; provider: string; loginHint?: string | null }) {
  const created = ok(
    await api.POST("/portal/api/hosts/{hostId}/connections", {
      params: { path: { hostId: params.hostId } },
      body: {
        provider: params.provider as "microsoft",
        returnUrl: `${window.location.origin}/portal/calendars`,
        ...(params.loginHint ? { loginHint: params.loginHint } : {}),
      },
    }),
    "",
  );
  if (created.authorizeUrl) window.location.assign(created.authorizeUrl);
}

function OAuthTile({ provider, hostId }: { provider: Provider; hostId: string }) {
  const { t } = useI18n();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <div className="card provider-tile">
      <ProviderIcon id={provider.id} />
      <div className="provider-text">
        <h3>{provider.name}</h3>
        <p className="muted small">{t("connectOauthHint", { name: provider.name })}</p>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <button
        type="button"
        className="button primary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await startOAuth({ hostId, provider: provider.id });
          } catch (problem) {
            setError((problem as Error).message);
            setBusy(false);
          }
        }}
      >
        {t("connectWith", { name: provider.name })}
      </button>
    </div>
  );
}

function ProviderIcon({ id }: { id: string }) {
  const letter = { microsoft: "M", google: "G", caldav: "C", ics: "ics" }[id] ?? id.slice(0, 1).toUpperCase();
  return (
    <span className={`provider-icon provider-${id}`} aria-hidden="true">
      {letter}
    </span>
  );
}

function ConnectionCard(props: {
  connection: Connection;
  hostId: string;
  providers: Provider[];
  onChange: () => Promise<void>;
}) {
  const { connection, hostId } = props;
  const { t, lang } = useI18n();
  const [error, setError] = useState<string>();
  const path = { params: { path: { hostId, connectionId: connection.id } } };
  const calendars = connection.calendars.filter((calendar) => !calendar.removed);
  const blocking = blockingCalendars(connection);
  const done = blocking.filter((calendar) => calendar.lastSuccessAt !== null).length;
  const oauth = props.providers.find((provider) => provider.id === connection.provider)?.method === "oauth";
  const state = shownState(connection);
  const stateLabel = t(STATE_LABELS[state] ?? "stateError");
  const groupName = useId();

  const act = async (action: () => Promise<unknown>) => {
    try {
      setError(undefined);
      await action();
      await props.onChange();
    } catch (problem) {
      setError((problem as Error).message);
    }
  };
  const choose = (choices: Array<{ ref: string; blocking?: boolean; receivesEvents?: boolean }>) =>
    act(async () =>
      ok(
        await api.PATCH("/portal/api/hosts/{hostId}/connections/{connectionId}/calendars", {
          ...path,
          body: { calendars: choices },
        }),
        "",
      ),
    );
  const receiver = calendars.find((calendar) => calendar.receivesEvents)?.ref ?? "";
  const writable = calendars.filter((calendar) => !calendar.readOnly);

  return (
    <article className="card connection" aria-label={connection.displayName}>
      <div className="connection-head">
        <ProviderIcon id={connection.provider} />
        <div className="connection-title">
          <h3>{connection.displayName}</h3>
          <p className="muted small">
            {connection.lastSyncedAt
              ? t("lastSynced", { when: formatRelative(connection.lastSyncedAt, lang) })
              : t("neverSynced")}
          </p>
        </div>
        <span className={`badge state-${state}`} data-state={state}>
          {state === "pending" && <span className="spinner" aria-hidden="true" />}
          {stateLabel}
        </span>
      </div>
      {state === "pending" && blocking.length > 0 && (
        <div className="progress-row">
          <progress max={blocking.length} value={done} aria-label={t("statePending")} />
          <span className="small muted">{t("syncProgress", { done, total: blocking.length })}</span>
        </div>
      )}
      {(connection.status === "error" ||
        connection.status === "blocked" ||
        connection.status === "needs_reauth") &&
        connection.lastError && (
          <p className="notice error small" role="status">
            {connection.lastError}
          </p>
        )}
      {calendars.length > 0 && (
        <table className="calendar-table">
          <thead>
            <tr>
              <th scope="col">{t("calendarColumn")}</th>
              <th scope="col">{t("blocksTime")}</th>
              {writable.length > 0 && <th scope="col">{t("receivesBookings")}</th>}
            </tr>
          </thead>
          <tbody>
            {calendars.map((calendar) => (
              <tr key={calendar.ref}>
                <th scope="row" className="calendar-name">
                  {calendar.name ?? calendar.ref}
                  {calendar.readOnly && <span className="muted small"> ({t("readOnly")})</span>}
                </th>
                <td>
                  <input
                    type="checkbox"
                    checked={calendar.blocking}
                    aria-label={`${t("blocksTime")}: ${calendar.name ?? calendar.ref}`}
                    onChange={(event) => void choose([{ ref: calendar.ref, blocking: event.target.checked }])}
                  />
                </td>
                {writable.length > 0 && (
                  <td>
                    {!calendar.readOnly && (
                      <input
                        type="radio"
                        name={groupName}
                        checked={receiver === calendar.ref}
                        aria-label={`${t("receivesBookings")}: ${calendar.name ?? calendar.ref}`}
                        onChange={() =>
                          void choose([
                            ...(receiver ? [{ ref: receiver, receivesEvents: false }] : []),
                            { ref: calendar.ref, receivesEvents: true },
                          ])
                        }
                      />
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        {oauth && (connection.status === "needs_reauth" || connection.status === "error") && (
          <button
            type="button"
            className="button primary"
            onClick={() =>
              void act(() =>
                startOAuth({ hostId, provider: connection.provider, loginHint: connection.account?.email }),
              )
            }
          >
            {t("reconnect")}
          </button>
        )}
        <button
          type="button"
          className="button"
          onClick={() =>
            void act(async () =>
              ok(await api.POST("/portal/api/hosts/{hostId}/connections/{connectionId}/sync", path), ""),
            )
          }
        >
          {t("syncNow")}
        </button>
        <button
          type="button"
          className="button danger"
          onClick={() => {
            if (!window.confirm(t("disconnectConfirm", { name: connection.displayName }))) return;
            void act(async () =>
              ok(await api.DELETE("/portal/api/hosts/{hostId}/connections/{connectionId}", path), ""),
            );
          }}
        >
          {t("disconnect")}
        </button>
      </div>
    </article>
  );
}

function useSubmit(onAdded: () => Promise<void>) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>, send: () => Promise<unknown>) => {
    event.preventDefault();
    const form = event.currentTarget;
    setBusy(true);
    try {
      setError(undefined);
      await send();
      form.reset();
      await onAdded();
    } catch (problem) {
      setError((problem as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

function IcsForm(props: { provider: Provider; hostId: string; onAdded: () => Promise<void> }) {
  const { t } = useI18n();
  const { error, busy, submit } = useSubmit(props.onAdded);
  const id = useId();
  return (
    <form
      className="card form-card"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        const data = new FormData(event.currentTarget);
        const name = String(data.get("name") ?? "").trim();
        void submit(event, async () =>
          ok(
            await api.POST("/portal/api/hosts/{hostId}/connections", {
              params: { path: { hostId: props.hostId } },
              body: { provider: "ics", url: String(data.get("url")), ...(name ? { name } : {}) },
            }),
            "",
          ),
        );
      }}
    >
      <div className="form-card-head">
        <ProviderIcon id="ics" />
        <h3 id={`${id}-title`}>{t("icsTitle")}</h3>
      </div>
      <p className="muted small">{t("icsHelp")}</p>
      <label className="field">
        <span>{t("icsUrl")}</span>
        <input
          name="url"
          type="url"
          required
          inputMode="url"
          placeholder="webcal://…"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
      </label>
      <label className="field">
        <span>{t("icsName")}</span>
        <input name="name" type="text" maxLength={200} />
      </label>
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy}>
        {t("icsAdd")}
      </button>
    </form>
  );
}

function CalDavForm(props: { provider: Provider; hostId: string; onAdded: () => Promise<void> }) {
  const { t } = useI18n();
  const { error, busy, submit } = useSubmit(props.onAdded);
  const [preset, setPreset] = useState("icloud");
  const id = useId();
  const presetLabels: Record<string, MessageKey> = {
    icloud: "presetIcloud",
    fastmail: "presetFastmail",
    nextcloud: "presetNextcloud",
    custom: "presetCustom",
  };
  const needsServer = preset === "nextcloud" || preset === "custom";
  return (
    <form
      className="card form-card"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        const data = new FormData(event.currentTarget);
        void submit(event, async () =>
          ok(
            await api.POST("/portal/api/hosts/{hostId}/connections", {
              params: { path: { hostId: props.hostId } },
              body: {
                provider: "caldav",
                preset: preset as "icloud",
                ...(needsServer ? { serverUrl: String(data.get("serverUrl")) } : {}),
                username: String(data.get("username")),
                password: String(data.get("password")),
              },
            }),
            "",
          ),
        );
      }}
    >
      <div className="form-card-head">
        <ProviderIcon id="caldav" />
        <h3 id={`${id}-title`}>{t("caldavTitle")}</h3>
      </div>
      <p className="muted small">{t("caldavHelp")}</p>
      <details className="help">
        <summary>{t("caldavIcloudSteps")}</summary>
        <ol>
          <li>{t("caldavIcloudStep1")}</li>
          <li>{t("caldavIcloudStep2")}</li>
          <li>{t("caldavIcloudStep3")}</li>
        </ol>
      </details>
      <label className="field">
        <span>{t("caldavPreset")}</span>
        <select value={preset} onChange={(event) => setPreset(event.target.value)}>
          {(props.provider.presets ?? []).map((value) => (
            <option key={value} value={value}>
              {presetLabels[value] ? t(presetLabels[value]) : value}
            </option>
          ))}
        </select>
      </label>
      {needsServer && (
        <label className="field">
          <span>{t("caldavServer")}</span>
          <input name="serverUrl" type="url" required placeholder="https://" />
        </label>
      )}
      <label className="field">
        <span>{t("caldavUser")}</span>
        <input name="username" type="text" required autoComplete="username" />
      </label>
      <label className="field">
        <span>{t("caldavPassword")}</span>
        <input name="password" type="password" required autoComplete="new-password" />
      </label>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy}>
        {t("caldavAdd")}
      </button>
    </form>
  );
}
