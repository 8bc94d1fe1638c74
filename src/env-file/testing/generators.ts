import { SeededRandom } from './random';

const SPACES = [' ', '\t', '\u00a0', '\ufeff', '\v'];
/** Pieces that trip parsers up: quotes, backslashes, escape look-alikes, hashes, separators. */
const TEXT = ['a', 'b', ' ', '=', '#', "'", '"', '`', '\\', 'n', 'r', '$', 'é', '\t', '\\n', '\\"', "\\'", '\\`', '\u2028'];
const QUOTED_TEXT = [...TEXT, '\n', '\r\n', '\r', '\u2029'];
const KEYS = ['A', 'B', 'C_1', 'd.e', 'f-g', 'H', 'export'];
const LINE_BREAKS = ['\n', '\r\n', '\r'];

/** Characters that force values into quotes, or out of some quote kinds. */
export const TRICKY_VALUE_ALPHABET = ['a', ' ', '\t', '#', "'", '"', '`', '\\', 'n', 'r', '\n', '\r', '$', '=', 'é', '\u2028', '\ufeff', '\\n'];

/**
 * A small `.env` file: blank lines, comments, junk and entries with every quote kind, odd
 * spacing, `export`, comments and every line break. Many are invalid on purpose.
 */
export function randomEnvFile(random: SeededRandom): string {
  const count = random.int(6);
  let content = '';
  for (let line = 0; line < count; line++) {
    const last = line === count - 1;
    content += randomLine(random) + (!last || random.int(2) === 0 ? random.pick(LINE_BREAKS) : '');
  }
  return content;
}

function randomLine(random: SeededRandom): string {
  const space = (): string => random.string(SPACES, 2);
  const kind = random.int(6);
  if (kind === 0) return space();
  if (kind === 1) return `${space()}#${random.string(TEXT, 6)}`;
  if (kind === 2) return random.string([...TEXT, 'A', 'export '], 8);
  const quote = random.pick(['', '', "'", '"', '`']);
  const token = quote === '' ? random.string(TEXT, 6) : quote + random.string(QUOTED_TEXT, 8) + quote;
  const comment = random.int(3) === 0 ? `${space()}#${random.string(TEXT, 4)}` : '';
  const exported = random.int(3) === 0 ? `export${random.pick(SPACES)}` : '';
  return `${space()}${exported}${random.pick(KEYS)}${space()}=${space()}${token}${space()}${comment}`;
}
