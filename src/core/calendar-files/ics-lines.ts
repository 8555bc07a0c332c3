/**
 * Low-level iCalendar (RFC 5545) text: content lines, escaping and folding.
 * Everything here is pure string work so that the VEVENT/VTIMEZONE writers stay declarative.
 */

export type IcsParams = Record<string, string | undefined>;

/** RFC 5545 §3.1: lines end with CRLF, also the last one. */
export function joinIcsLines(lines: readonly string[]): string {
  return lines.map(foldIcsLine).join("\r\n") + "\r\n";
}

/**
 * RFC 5545 §3.1: a line longer than 75 octets is split, continuation lines start with one space.
 * The limit is in octets, not characters, so a multi-byte UTF-8 character (é, 日, emoji) must never be
 * cut in half: we split only between code points.
 */
export function foldIcsLine(line: string): string {
  const limit = 75;
  const parts: string[] = [];
  let current = "";
  let currentOctets = 0;
  for (const char of line) {
    const octets = utf8Length(char);
    // A continuation line's leading space counts towards its 75 octets.
    const max = parts.length === 0 ? limit : limit - 1;
    if (currentOctets + octets > max) {
      parts.push(current);
      current = "";
      currentOctets = 0;
    }
    current += char;
    currentOctets += octets;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

function utf8Length(char: string): number {
  const codePoint = char.codePointAt(0) ?? 0;
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

/** RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma and newlines are escaped. */
export function escapeIcsText(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n");
}

/**
 * RFC 5545 §3.2: a parameter value cannot hold a DQUOTE or control characters and must be quoted
 * when it contains ":", ";" or ",". A display name like `Doe, Jane "JD"` would otherwise break the
 * line for every parser; we replace the quote rather than use RFC 6868 caret escapes, which older
 * clients (and python-icalendar 4) show literally.
 */
export function formatIcsParamValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = value.replace(/"/g, "'").replace(/[\u0000-\u001f\u007f]/g, " ");
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** One unfolded content line: `NAME;PARAM=value:value`. Undefined parameters are left out. */
export function icsLine(name: string, value: string, params: IcsParams = {}): string {
  const paramText = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, paramValue]) => `;${key}=${formatIcsParamValue(paramValue)}`)
    .join("");
  return `${name}${paramText}:${value}`;
}

/** A TEXT property: the value is escaped. */
export function icsTextLine(name: string, value: string, params: IcsParams = {}): string {
  return icsLine(name, escapeIcsText(value), params);
}
