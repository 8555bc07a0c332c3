import type { Mailbox } from "./model.ts";
import type { MicrosoftSandboxState } from "./state.ts";

export type TenantSegment =
  | { kind: "common" | "organizations" | "consumers" }
  | { kind: "tenant"; tenantId: string };

/** `{tenant}` in identity paths: common, organizations, consumers, a tenant GUID or a verified domain. */
export function resolveTenantSegment(state: MicrosoftSandboxState, segment: string): TenantSegment | null {
  const lower = segment.toLowerCase();
  if (lower === "common" || lower === "organizations" || lower === "consumers") return { kind: lower };
  for (const tenant of state.tenants.values()) {
    if (tenant.id === lower || tenant.domain.toLowerCase() === lower)
      return { kind: "tenant", tenantId: tenant.id };
  }
  return null;
}

/** Which accounts may sign in through this tenant segment. */
export function accountAllowed(segment: TenantSegment, mailbox: Mailbox): boolean {
  if (mailbox.kind === "room") return false;
  switch (segment.kind) {
    case "common":
      return true;
    case "organizations":
      return mailbox.kind === "work";
    case "consumers":
      return mailbox.kind === "personal";
    case "tenant":
      return mailbox.kind === "work" && mailbox.tenantId === segment.tenantId;
  }
}
