/**
 * The character classes of dotenv's grammar, shared by the parser and the quoting rules.
 *
 * dotenv (18.x, `dist/index.cjs`: the default regex parser and the `fast` scanner alike)
 * treats as whitespace exactly what
 * JavaScript's `\s` and `String.prototype.trim` do. That includes the BOM and the Unicode
 * spaces, so a file that starts with a BOM parses like one without.
 */

/** `\s` without the line breaks: the whitespace that can sit inside one line. */
export const INLINE_SPACE = '\\t\\v\\f \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000\\ufeff';

/**
 * U+2028 and U+2029 end a line for dotenv's `^`, `$` and `.`, but not for its
 * `[^#\r\n]` or its CR normalisation, so outside quotes they make the two disagree about
 * where a line ends. We accept them only inside quoted values.
 */
export const UNICODE_SEPARATOR = /[\u2028\u2029]/;

export const QUOTE_CHARS = ["'", '"', '`'] as const;
export type QuoteChar = (typeof QUOTE_CHARS)[number];

export function isQuoteChar(char: string | undefined): char is QuoteChar {
  return (QUOTE_CHARS as readonly string[]).includes(char ?? '');
}

const QUOTE_KIND_NAMES: Record<QuoteChar, string> = { "'": 'single-quoted', '"': 'double-quoted', '`': 'backtick-quoted' };

export function quoteKindName(quote: QuoteChar): string {
  return QUOTE_KIND_NAMES[quote];
}

/**
 * Where dotenv ends the quoted value that opens at `openAt`: at the next quote of the same
 * kind that does not directly follow a backslash, however many lines later; -1 when there
 * is none. (A backslash is otherwise kept as it is; it escapes nothing else.)
 */
export function closingQuoteOf(text: string, openAt: number): number {
  const quote = text[openAt];
  for (let at = text.indexOf(quote, openAt + 1); at !== -1; at = text.indexOf(quote, at + 1)) {
    if (text[at - 1] !== '\\') return at;
  }
  return -1;
}

/**
 * What dotenv makes of the text between a pair of quotes: every CRLF or CR becomes LF
 * (dotenv does this to the whole file first), and inside double quotes the two-character
 * sequences `\n` and `\r` become LF and CR. No other escape exists, not even `\\`.
 */
export function unquote(quote: QuoteChar, inner: string): string {
  const text = inner.replace(/\r\n?/g, '\n');
  return quote === '"' ? text.replace(/\\n/g, '\n').replace(/\\r/g, '\r') : text;
}
