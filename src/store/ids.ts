import { randomUUID } from "node:crypto";

// Branded ids: passing a HostId where a TenantId is expected is a compile error, not a cross-tenant bug.
export type TenantId = string & { readonly __brand: "TenantId" };
export type HostId = string & { readonly __brand: "HostId" };
export type ScheduleId = string & { readonly __brand: "ScheduleId" };

export function newId<T extends string>(): T {
  return randomUUID() as T;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs: anything that isn't a UUID can't name a row, and must not reach a uuid column (22P02). */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
