/**
 * One logical (unfolded) content line, the physical line, 1-based, where it starts, and the length of its last
 * physical line (a fold follows a full line: see parseCalendars).
 */
export interface LogicalLine {
  text: string;
  line: number;
  lastLength: number;
}

/**
 * Split text into logical lines (RFC 5545 section 3.1). Accepts CRLF, bare LF and bare CR; a line that starts
 * with a space or a tab continues the previous one; blank lines are skipped (some exporters emit them between
 * components); a BOM is dropped at the start of the text and of any line (concatenated files); an indented
 * first line, or an indented BEGIN:VCALENDAR after a stray line, starts a line of its own.
 */
// A whole physical line reading BEGIN:VCALENDAR is not the tail of a folded value.
const INDENTED_START = /^[ \t]+BEGIN:VCALENDAR[ \t]*$/i;

export function splitLogicalLines(text: string): LogicalLine[] {
  const physical = text.split(/\r\n|\n|\r/);
  const lines: LogicalLine[] = [];
  let current: { parts: string[]; line: number; lastLength: number } | null = null;
  const flush = (): void => {
    if (current)
      lines.push({ text: current.parts.join(""), line: current.line, lastLength: current.lastLength });
    current = null;
  };
  for (let index = 0; index < physical.length; index++) {
    let raw = physical[index]!;
    if (raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    const first = raw.charCodeAt(0);
    const indented = first === 0x20 || first === 0x09;
    if (indented && current !== null && !INDENTED_START.test(raw)) {
      const open = current as { parts: string[]; lastLength: number };
      open.parts.push(raw.slice(1));
      open.lastLength = raw.length;
      continue;
    }
    const trimmed = raw.trim();
    if (trimmed === "") continue;
    flush();
    const content = indented ? raw.trimStart() : raw;
    current = { parts: [content], line: index + 1, lastLength: raw.length };
  }
  flush();
  return lines;
}
