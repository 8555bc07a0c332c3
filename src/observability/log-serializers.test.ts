import { DrizzleQueryError } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { serializeError, serializeRequest } from "./log-serializers.ts";

const name = "Ina Invitee";
const email = "ina@example.com";

/** A unique violation as node-postgres (and PGlite, which uses the same class) raises it, wrapped by Drizzle. */
function uniqueViolation(): Error {
  const driverError = new pg.DatabaseError(
    `duplicate key value violates unique constraint "tenants_slug_unique"`,
    120,
    "error",
  );
  Object.assign(driverError, {
    severity: "ERROR",
    code: "23505",
    detail: `Key (slug)=(${email}) already exists.`,
    where: `SQL statement "insert ... ${name}"`,
    schema: "public",
    table: "tenants",
    constraint: "tenants_slug_unique",
    routine: "_bt_check_unique",
    // PGlite attaches the query it ran to the error.
    query: "insert into tenants (id, name, slug) values ($1, $2, $3)",
    params: ["b2f1", name, email],
  });
  return new DrizzleQueryError(
    "insert into tenants (id, name, slug) values ($1, $2, $3)",
    ["b2f1", name, email],
    driverError,
  );
}

describe("serializeError", () => {
  it("keeps the class, SQLSTATE and names of a database error, never its values", () => {
    const logged = serializeError(uniqueViolation());
    const text = JSON.stringify(logged);
    expect(text).not.toContain(name);
    expect(text).not.toContain(email);
    expect(logged).toMatchObject({
      type: "DrizzleQueryError",
      cause: {
        type: "DatabaseError",
        code: "23505",
        severity: "ERROR",
        table: "tenants",
        constraint: "tenants_slug_unique",
        routine: "_bt_check_unique",
      },
    });
    expect(logged.message).toBeUndefined();
    expect(logged.stack).toMatch(/^\s+at /);
  });

  it("keeps other errors' messages, minus e-mail addresses and URL credentials", () => {
    const error = new Error(`550 <${email}> rejected; fetch https://user:hunter2@cal.example.com/x failed`, {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:25"), { code: "ECONNREFUSED" }),
    });
    const logged = serializeError(error);
    expect(logged.message).toBe("550 <[email]> rejected; fetch https://[redacted]@cal.example.com/x failed");
    expect(logged.cause).toMatchObject({
      type: "Error",
      code: "ECONNREFUSED",
      message: "connect ECONNREFUSED 127.0.0.1:25",
    });
  });

  it("stops at a cause cycle and takes what is not an Error", () => {
    const error = new Error("loop") as Error & { cause?: unknown };
    error.cause = error;
    expect(JSON.stringify(serializeError(error)).length).toBeLessThan(20_000);
    expect(serializeError("text")).toEqual({ type: "string" });
  });
});

describe("serializeRequest", () => {
  it("redacts attendee-link tokens and a route's secret params, and logs no headers", () => {
    const logged = serializeRequest({
      method: "GET",
      url: "/v1/claims/abc.def?token=t",
      host: "calbridge.example.com",
      ip: "203.0.113.9",
      params: { token: "abc.def" },
      headers: { authorization: "Bearer cbk_secret" },
    } as Parameters<typeof serializeRequest>[0]);
    expect(logged).toEqual({
      method: "GET",
      url: "/v1/claims/[redacted]?token=[redacted]",
      host: "calbridge.example.com",
      remoteAddress: "203.0.113.9",
      remotePort: undefined,
    });
  });
});
