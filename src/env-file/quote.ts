import { closingQuoteOf, isQuoteChar, QuoteChar, UNICODE_SEPARATOR } from './syntax';

/**
 * The simplest value token that dotenv reads back as exactly `value`, wherever it is put:
 * bare, else in single quotes, else in double quotes (with `\n`/`\r` escapes), else in
 * backticks. Null when no form can hold the value; see docs/env.md for when that happens.
 *
 * "Wherever it is put" matters: a quoted token that ends in a backslash reads back right on
 * its own, but dotenv may then run its value on into a later line that holds an escaped
 * quote, so such tokens are never produced.
 */
export function quoteForDotenv(value: string): string | null {
  if (isSafeBare(value)) return value;
  return literalQuoted(value, "'") ?? doubleQuoted(value) ?? literalQuoted(value, '`');
}

/**
 * Unquoted, dotenv trims the value, stops at the first `#` and at the line's end, and
 * treats a leading quote as the start of a quoted value.
 */
function isSafeBare(value: string): boolean {
  return (
    value === value.trim() &&
    !/[#\r\n]/.test(value) &&
    !UNICODE_SEPARATOR.test(value) &&
    !isQuoteChar(value[0])
  );
}

/** Single quotes and backticks keep everything as it is, except that a CR becomes LF. */
function literalQuoted(value: string, quote: QuoteChar): string | null {
  if (value.includes('\r')) return null;
  return keepIfClosedAtEnd(`${quote}${value}${quote}`);
}

/**
 * Double quotes turn `\n` and `\r` into LF and CR and have no escape for a backslash, so a
 * value that holds a backslash followed by `n` or `r` cannot be written in them.
 */
function doubleQuoted(value: string): string | null {
  if (/\\[nr]/.test(value)) return null;
  const inner = value.replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return keepIfClosedAtEnd(`"${inner}"`);
}

/**
 * The token, if dotenv closes it on its last character. Only then does it read the same
 * wherever it is put: a token whose closing quote follows a backslash may be run on into
 * later lines.
 */
function keepIfClosedAtEnd(token: string): string | null {
  return closingQuoteOf(token, 0) === token.length - 1 ? token : null;
}
