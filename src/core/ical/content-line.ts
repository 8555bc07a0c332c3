import type { LogicalLine } from "./content-lines.ts";
import { err, ok, type Result } from "./result.ts";

/** A parsed content line: upper-cased name, parameters (upper-cased names, unquoted values) and raw value. */
export interface IcalProperty {
  name: string;
  params: Readonly<Record<string, readonly string[]>>;
  value: string;
  line: number;
}

const NAME = /^[A-Za-z0-9-]+$/;
// Most properties have no parameters: share one frozen object instead of allocating one per line.
const NO_PARAMS: Readonly<Record<string, readonly string[]>> = Object.freeze({});

/**
 * Parse `name *(";" param) ":" value` (RFC 5545 section 3.1). Parameter values may be quoted and then contain
 * `:;,`; RFC 6868 caret escapes (^n, ^', ^^) are decoded.
 */
export function parseContentLine(logical: LogicalLine): Result<IcalProperty, string> {
  const text = logical.text;
  let i = 0;
  while (i < text.length && text[i] !== ";" && text[i] !== ":") i++;
  const name = text.slice(0, i);
  if (!NAME.test(name)) {
    return err(i >= text.length ? "expected NAME:VALUE, found no colon" : `invalid property name "${name}"`);
  }
  let params: Record<string, string[]> | null = null;
  while (text[i] === ";") {
    params ??= {};
    const nameStart = i + 1;
    const eq = text.indexOf("=", nameStart);
    if (eq < 0) return err(`parameter without "=" in ${name}`);
    const paramName = text.slice(nameStart, eq).toUpperCase();
    if (!NAME.test(paramName)) return err(`invalid parameter name "${paramName}" in ${name}`);
    const values: string[] = [];
    i = eq;
    do {
      i++;
      if (text[i] === '"') {
        const close = text.indexOf('"', i + 1);
        if (close < 0) return err(`unterminated quoted parameter value in ${name}`);
        values.push(decodeCaret(text.slice(i + 1, close)));
        i = close + 1;
      } else {
        const start = i;
        while (i < text.length && text[i] !== "," && text[i] !== ";" && text[i] !== ":") i++;
        values.push(decodeCaret(text.slice(start, i)));
      }
    } while (text[i] === ",");
    // Push, not spread: a line repeating one parameter many times must stay linear.
    const existing = params[paramName];
    if (existing) for (const value of values) existing.push(value);
    else params[paramName] = values;
  }
  if (text[i] !== ":") return err(`expected ":" after the parameters of ${name}`);
  return ok({
    name: name.toUpperCase(),
    params: params ?? NO_PARAMS,
    value: text.slice(i + 1),
    line: logical.line,
  });
}

function decodeCaret(value: string): string {
  if (!value.includes("^")) return value;
  return value.replace(/\^(n|N|'|\^)/g, (_match, code: string) =>
    code === "^" ? "^" : code === "'" ? '"' : "\n",
  );
}

/**
 * A parameter that holds one text, not a list (TZID, RFC 5545 section 3.2.19: `paramtext / quoted-string`),
 * or null. An unquoted comma split it into values (`TZID=Kuala Lumpur, Singapore`): they are joined again. A
 * backslash escape some producers carry over from TEXT values (`TZID=Kuala Lumpur\, Singapore`) is read as
 * the character it escapes, so the name matches the VTIMEZONE's unescaped TZID.
 */
export function singleTextParam(property: IcalProperty, name: string): string | null {
  const values = property.params[name];
  if (!values) return null;
  const text = values.length === 1 ? values[0]! : values.join(",");
  return text.includes("\\") ? text.replace(/\\([\\;,])/g, "$1") : text;
}

/** The first value of a parameter, or null. */
export function paramValue(property: IcalProperty, name: string): string | null {
  return property.params[name]?.[0] ?? null;
}

/** Unescape a TEXT value (RFC 5545 section 3.3.11). */
export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_match, code: string) =>
    code === "n" || code === "N" ? "\n" : code,
  );
}
