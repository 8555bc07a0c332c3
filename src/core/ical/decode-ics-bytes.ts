const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Decode an .ics download to text. Invalid UTF-8 becomes U+FFFD instead of failing (feeds in the wild mix
 * Latin-1 into UTF-8); a UTF-8 BOM is dropped and UTF-16 with a BOM is honoured.
 *
 * RFC 5545 section 3.1 folds at 75 octets, and Outlook happily splits a multi-byte character across the fold.
 * Decoding first would turn both halves into U+FFFD, so the continuation bytes are moved in front of the line
 * break before decoding: the text is unchanged once unfolded and every line keeps its number.
 */
export function decodeIcsBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  return new TextDecoder("utf-8", { fatal: false }).decode(rejoinSplitCharacters(bytes));
}

function isContinuationByte(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x80 && byte <= 0xbf;
}

function rejoinSplitCharacters(input: Uint8Array): Uint8Array {
  let bytes = input;
  let copied = false;
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] !== LF && bytes[i] !== CR) continue;
    const breakEnd = bytes[i] === CR && bytes[i + 1] === LF ? i + 2 : i + 1;
    const fold = bytes[breakEnd];
    let count = 0;
    if ((fold === SPACE || fold === TAB) && bytes[i - 1]! >= 0x80) {
      while (isContinuationByte(bytes[breakEnd + 1 + count])) count++;
    }
    if (count > 0) {
      if (!copied) {
        // A copy, never a view: Node's Buffer#slice shares memory with the caller's buffer.
        bytes = new Uint8Array(bytes);
        copied = true;
      }
      // [break][fold][continuation...] becomes [continuation...][break][fold].
      const moved = Uint8Array.from(bytes.subarray(breakEnd + 1, breakEnd + 1 + count));
      const lineBreakAndFold = Uint8Array.from(bytes.subarray(i, breakEnd + 1));
      bytes.set(moved, i);
      bytes.set(lineBreakAndFold, i + count);
    }
    i = breakEnd + count;
  }
  return bytes;
}
