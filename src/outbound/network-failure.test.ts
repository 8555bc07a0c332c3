import { describe, expect, it } from "vitest";
import { describeNetworkError } from "./network-failure.ts";

/** Errors as Node raises them, with the raw text that must not reach a tenant. */
const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("network failure messages", () => {
  it.each([
    [
      nodeError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.7:80"),
      "network",
      "the server refused the connection",
    ],
    [
      nodeError("ENOTFOUND", "getaddrinfo ENOTFOUND intranet.corp"),
      "network",
      "the host name does not resolve",
    ],
    [
      nodeError("EAI_AGAIN", "getaddrinfo EAI_AGAIN x"),
      "network",
      "the host name could not be resolved (DNS failure)",
    ],
    [nodeError("ETIMEDOUT", "connect ETIMEDOUT 10.0.0.7:443"), "timeout", "the connection timed out"],
    [nodeError("ECONNRESET", "socket hang up"), "network", "the server closed the connection unexpectedly"],
    [nodeError("EHOSTUNREACH", "connect EHOSTUNREACH 10.0.0.7:80"), "network", "the host is unreachable"],
    [
      nodeError(
        "EPROTO",
        "write EPROTO 803C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number",
      ),
      "tls",
      "the TLS handshake failed (the server may not speak https on this port)",
    ],
    [nodeError("ERR_SSL_WRONG_VERSION_NUMBER", "wrong version number"), "tls", /TLS handshake failed/],
    [nodeError("CERT_HAS_EXPIRED", "certificate has expired"), "tls", /certificate is not valid/],
    [nodeError("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"), "tls", /certificate is not valid/],
    [nodeError("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify"), "tls", /certificate is not valid/],
    [nodeError("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match: 10.0.0.7"), "tls", /certificate/],
    [
      nodeError("HPE_INVALID_CONSTANT", "Parse Error: Expected HTTP/"),
      "network",
      "the server's answer is not valid HTTP",
    ],
    [new Error("something odd at 10.0.0.7"), "network", "the connection failed"],
    ["not even an error", "network", "the connection failed"],
  ])("maps %s to a fixed message", (error, kind, message) => {
    const failure = describeNetworkError(error);
    expect(failure.kind).toBe(kind);
    expect(failure.message).toMatch(message);
    expect(failure.message).not.toMatch(/\d+\.\d+\.\d+\.\d+|E[A-Z]{4,}|SSL routines|getaddrinfo/);
  });
});
