/** The first line where two texts differ, with a little context, for drift messages. */
export function firstDifference(expected: string, actual: string, expectedName: string, actualName: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? Math.min(a.length, b.length) : line;
  const show = (lines: string[]) => lines.slice(Math.max(0, at - 2), at + 3).map((text, i) => `  ${Math.max(0, at - 2) + i + 1}: ${text}`).join('\n');
  return `first difference at line ${at + 1}:\n${expectedName}:\n${show(a)}\n${actualName}:\n${show(b)}`;
}
