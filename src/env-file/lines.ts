/** One physical line: `[start, end)` is its text, without the line break. */
export interface PhysicalLine {
  /** 1-based. */
  number: number;
  start: number;
  end: number;
}

/**
 * CRLF, LF and a lone CR each end a line, because dotenv turns all three into LF before
 * it parses. A final line without a line break is a line; the empty text after a final
 * line break is not.
 */
export function splitLines(source: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let start = 0;
  for (const lineBreak of source.matchAll(/\r\n|\r|\n/g)) {
    const end = lineBreak.index ?? 0;
    lines.push({ number: lines.length + 1, start, end });
    start = end + lineBreak[0].length;
  }
  if (start < source.length) lines.push({ number: lines.length + 1, start, end: source.length });
  return lines;
}

/** The index of the line that holds `offset`, searching forward from line `from`. */
export function lineIndexAt(lines: readonly PhysicalLine[], from: number, offset: number): number {
  let index = from;
  while (index < lines.length - 1 && offset >= lines[index].end) index++;
  return index;
}
