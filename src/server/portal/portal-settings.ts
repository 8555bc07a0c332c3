/** Host portal lifetimes (config PORTAL_LINK_MINUTES, PORTAL_SESSION_IDLE_MINUTES, PORTAL_SESSION_MAX_DAYS). */
export interface PortalSettings {
  linkMinutes: number;
  sessionIdleMinutes: number;
  sessionMaxDays: number;
}

export const DEFAULT_PORTAL_SETTINGS: PortalSettings = {
  linkMinutes: 10,
  sessionIdleMinutes: 12 * 60,
  sessionMaxDays: 7,
};
