/**
 * Why an outbound request got no usable answer, in words fit for a tenant: the one place that turns Node's and
 * OpenSSL's error text (`ssl3_get_record:wrong version number`, `connect ECONNREFUSED 10.0.0.7:80`) into fixed
 * messages, so neither internals nor internal addresses reach a delivery log or a connection's error.
 */
export type OutboundFailureKind =
  | "invalid_url"
  | "forbidden_target"
  | "timeout"
  | "network"
  | "tls"
  | "too_large";

export interface OutboundFailure {
  kind: OutboundFailureKind;
  message: string;
}

/** Fixed, whatever the host resolved to: naming the internal address would tell a tenant about the network. */
export const FORBIDDEN_TARGET_MESSAGE =
  "refused: the host is or resolves to an internal address (loopback, private, link-local or reserved); " +
  "an operator can allow it with OUTBOUND_ALLOW";

/** Thrown from the guarded DNS lookup, so that the refusal is told apart from other connect errors. */
export const FORBIDDEN_TARGET_CODE = "EFORBIDDENTARGET";

const byCode: Record<string, OutboundFailure> = {
  [FORBIDDEN_TARGET_CODE]: { kind: "forbidden_target", message: FORBIDDEN_TARGET_MESSAGE },
  ECONNREFUSED: { kind: "network", message: "the server refused the connection" },
  ENOTFOUND: { kind: "network", message: "the host name does not resolve" },
  EAI_NONAME: { kind: "network", message: "the host name does not resolve" },
  EAI_NODATA: { kind: "network", message: "the host name does not resolve" },
  EAI_AGAIN: { kind: "network", message: "the host name could not be resolved (DNS failure)" },
  EAI_FAIL: { kind: "network", message: "the host name could not be resolved (DNS failure)" },
  ETIMEDOUT: { kind: "timeout", message: "the connection timed out" },
  ECONNRESET: { kind: "network", message: "the server closed the connection unexpectedly" },
  ECONNABORTED: { kind: "network", message: "the server closed the connection unexpectedly" },
  EPIPE: { kind: "network", message: "the server closed the connection unexpectedly" },
  EHOSTUNREACH: { kind: "network", message: "the host is unreachable" },
  ENETUNREACH: { kind: "network", message: "the host is unreachable" },
  EHOSTDOWN: { kind: "network", message: "the host is unreachable" },
  ENETDOWN: { kind: "network", message: "the host is unreachable" },
};

const TLS_HANDSHAKE: OutboundFailure = {
  kind: "tls",
  message: "the TLS handshake failed (the server may not speak https on this port)",
};
const TLS_CERTIFICATE: OutboundFailure = {
  kind: "tls",
  message: "the server's TLS certificate is not valid (expired, self-signed, untrusted or for another name)",
};

export function describeNetworkError(error: unknown): OutboundFailure {
  const code = String((error as { code?: unknown } | undefined)?.code ?? "");
  const known = byCode[code];
  if (known) return known;
  // OpenSSL reports certificate problems with codes like CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT,
  // UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID; handshake and record errors as EPROTO or ERR_SSL_*.
  if (/CERT|UNABLE_TO_(GET|VERIFY)/.test(code)) return TLS_CERTIFICATE;
  if (code === "EPROTO" || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) return TLS_HANDSHAKE;
  if (code.startsWith("HPE_")) return { kind: "network", message: "the server's answer is not valid HTTP" };
  return { kind: "network", message: "the connection failed" };
}
