import { GraphError } from "./graph-errors.ts";

/** `$select`, `$top`, `$skip`, `$orderby` and a basic `$filter` (reference 2.3, 2.4: "limited"). */
export interface ODataQuery {
  select: string[] | null;
  top: number | null;
  skip: number;
  filter: ((item: Record<string, unknown>) => boolean) | null;
  orderBy: { path: string; descending: boolean } | null;
}

function badQuery(message: string): GraphError {
  return new GraphError({ status: 400, code: "BadRequest", message });
}

export function readODataQuery(query: URLSearchParams): ODataQuery {
  const select = query.get("$select");
  const top = query.get("$top");
  const orderBy = query.get("$orderby");
  if (top !== null && !/^\d+$/.test(top))
    badQueryThrow(`Invalid value '${top}' for $top query option found.`);
  const [path, direction] = (orderBy ?? "").trim().split(/\s+/);
  return {
    select: select
      ? select
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : null,
    top: top === null ? null : Number(top),
    skip: Number(query.get("$skip") ?? 0) || 0,
    filter: query.get("$filter") ? compileFilter(query.get("$filter") ?? "") : null,
    orderBy: path ? { path, descending: direction?.toLowerCase() === "desc" } : null,
  };
}

function badQueryThrow(message: string): never {
  throw badQuery(message);
}

function valueAt(item: Record<string, unknown>, path: string): unknown {
  let current: unknown = item;
  for (const key of path.split("/")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function literal(token: string): unknown {
  if (token.startsWith("'") && token.endsWith("'")) return token.slice(1, -1).replaceAll("''", "'");
  if (token === "true" || token === "false") return token === "true";
  if (token === "null") return null;
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  // Unquoted date-times, as in start/dateTime ge 2030-01-01T00:00:00
  return token;
}

function compare(left: unknown, op: string, right: unknown): boolean {
  const l =
    typeof left === "string" || typeof left === "number" || typeof left === "boolean" ? left : String(left);
  const r =
    typeof right === "string" || typeof right === "number" || typeof right === "boolean"
      ? right
      : String(right);
  switch (op) {
    case "eq":
      return left === right;
    case "ne":
      return left !== right;
    case "gt":
      return l > r;
    case "ge":
      return l >= r;
    case "lt":
      return l < r;
    case "le":
      return l <= r;
    default:
      return badQueryThrow(`Invalid filter operator '${op}'.`);
  }
}

/**
 * `singleValueExtendedProperties/Any(ep: ep/id eq '<id>' and ep/value eq '<value>')`: items carrying that property
 * with that value (the whole $filter). Reads the hidden copy renderEvent keeps, so it works without $expand.
 */
const ANY_EXTENDED =
  /^singleValueExtendedProperties\/any\(\s*(\w+)\s*:\s*\1\/id\s+eq\s+'((?:[^']|'')*)'\s+and\s+\1\/value\s+eq\s+'((?:[^']|'')*)'\s*\)$/i;

function extendedFilter(match: RegExpExecArray): (item: Record<string, unknown>) => boolean {
  const normal = (id: string) => id.replaceAll("''", "'").toLowerCase().replace(/\s+/g, " ");
  const id = normal(match[2]!);
  const value = match[3]!.replaceAll("''", "'");
  return (item) => {
    const properties = (item["@sandbox.extendedProperties"] ?? []) as Array<{ id: string; value: string }>;
    return properties.some((property) => normal(property.id) === id && property.value === value);
  };
}

/** Clauses joined by `and`: `path op literal` or `startswith(path,'text')`. */
function compileFilter(expression: string): (item: Record<string, unknown>) => boolean {
  const anyExtended = ANY_EXTENDED.exec(expression.trim());
  if (anyExtended) return extendedFilter(anyExtended);
  const clauses = expression.split(/\s+and\s+/i).map((clause) => {
    const starts = /^startswith\(\s*([\w/]+)\s*,\s*'((?:[^']|'')*)'\s*\)$/i.exec(clause.trim());
    if (starts) {
      const [, path, prefix] = starts;
      return (item: Record<string, unknown>) =>
        String(valueAt(item, path!) ?? "").startsWith(prefix!.replaceAll("''", "'"));
    }
    const binary = /^([\w/]+)\s+(eq|ne|gt|ge|lt|le)\s+(.+)$/i.exec(clause.trim());
    if (!binary) badQueryThrow(`Invalid filter clause: '${clause}'.`);
    const [, path, op, rawValue] = binary;
    const value = literal(rawValue!.trim());
    return (item: Record<string, unknown>) => compare(valueAt(item, path!), op!.toLowerCase(), value);
  });
  return (item) => clauses.every((clause) => clause(item));
}

export function applyOrder(
  items: Record<string, unknown>[],
  orderBy: ODataQuery["orderBy"],
): Record<string, unknown>[] {
  if (!orderBy) return items;
  const sign = orderBy.descending ? -1 : 1;
  return [...items].sort((a, b) => {
    const left = String(valueAt(a, orderBy.path) ?? "");
    const right = String(valueAt(b, orderBy.path) ?? "");
    return left < right ? -sign : left > right ? sign : 0;
  });
}

/** One page plus the `$skip` nextLink Graph returns for plain lists and calendarView (reference 2.4). */
export function pageOf(params: {
  items: Record<string, unknown>[];
  query: ODataQuery;
  defaultPageSize: number;
  requestUrl: URL;
  origin: string;
}): { value: Record<string, unknown>[]; nextLink: string | null } {
  const size = params.query.top ?? params.defaultPageSize;
  const value = params.items.slice(params.query.skip, params.query.skip + size);
  const nextSkip = params.query.skip + size;
  if (nextSkip >= params.items.length) return { value, nextLink: null };
  // Keep the caller's query as sent and append a literal `$skip=N`, as Graph's links read.
  const kept = params.requestUrl.search
    .slice(1)
    .split("&")
    .filter((part) => part && !/^(\$|%24)skip=/i.test(part));
  const query = [...kept, `$skip=${nextSkip}`].join("&");
  return { value, nextLink: `${params.origin}${params.requestUrl.pathname}?${query}` };
}
