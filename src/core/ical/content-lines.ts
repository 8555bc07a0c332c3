/** One logical (unfolded) content line and the physical line, 1-based, where it starts. */
export interface LogicalLine {
  text: string;
  line: number;
}

/**
 * Split text into logical lines (RFC 5545 section 3.1). Accepts CRLF, bare LF and bare CR; a line that starts
 * with a space or a tab continues the previous one; blank lines are skipped (some exporters emit them between
 * components); a leading BOM is dropped.
 */
export function splitLogicalLines(text: string): LogicalLine[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const physical = source.split(/\r\n|\n|\r/);
  const lines: LogicalLine[] = [];
  let current: { parts: string[]; line: number } | null = null;
  const flush = (): void => {
    if (current) lines.push({ text: current.parts.join(""), line: current.line });
    current = null;
  };
  for (let index = 0; index < physical.length; index++) {
    const raw = physical[index]!;
    const first = raw.charCodeAt(0);
    if ((first === 0x20 || first === 0x09) && current !== null) {
      (current as { parts: string[] }).parts.push(raw.slice(1));
      continue;
    }
    if (raw.trim() === "") continue;
    flush();
    current = { parts: [raw], line: index + 1 };
  }
  flush();
  return lines;
}
