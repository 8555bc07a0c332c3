import { randomBytes, randomUUID } from "node:crypto";

export function newGuid(): string {
  return randomUUID();
}

/**
 * Graph item ids are opaque base64 strings that may contain `=`, `+`, `-` and `_` (never `/`).
 * We keep `+` and `=` on purpose so that clients which forget to URL-encode ids in paths break here
 * exactly as they would against the real service.
 */
export function newGraphId(prefix = "AAMkAG"): string {
  return prefix + randomBytes(33).toString("base64").replaceAll("/", "_").slice(0, 40) + "+AAA=";
}

export function newChangeKey(): string {
  return randomBytes(15).toString("base64");
}

export function newOpaqueToken(prefix: string): string {
  return prefix + randomBytes(36).toString("base64url");
}

const OCCURRENCE_PREFIX = "AAMkOC";

/** Occurrence ids are derived from the series master and the original start, so they are stable. */
export function occurrenceId(masterId: string, originalStart: string): string {
  return OCCURRENCE_PREFIX + Buffer.from(`${masterId}\n${originalStart}`).toString("base64url") + "=";
}

export function parseOccurrenceId(id: string): { masterId: string; originalStart: string } | null {
  if (!id.startsWith(OCCURRENCE_PREFIX) || !id.endsWith("=")) return null;
  const decoded = Buffer.from(id.slice(OCCURRENCE_PREFIX.length, -1), "base64url").toString();
  const [masterId, originalStart] = decoded.split("\n");
  if (!masterId || !originalStart) return null;
  return { masterId, originalStart };
}
