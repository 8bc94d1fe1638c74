import { lineIndexAt, PhysicalLine, splitLines } from './lines';
import { closingQuoteOf, INLINE_SPACE, isQuoteChar, QuoteChar, quoteKindName, UNICODE_SEPARATOR, unquote } from './syntax';
import { EnvDocument, EnvEntry, EnvProblem, ValueSpan } from './types';

const S = INLINE_SPACE;
const BLANK = new RegExp(`^[${S}]*$`);
const COMMENT = new RegExp(`^[${S}]*#`);
/** `[export ]KEY=`; a key is dotenv's `[\w.-]+`. `export =1` falls back to the key `export`. */
const ENTRY_HEAD = new RegExp(`^[${S}]*(?:export[${S}]+)?([\\w.-]+)[${S}]*=`);
const COLON_FORM = new RegExp(`^[${S}]*(?:export[${S}]+)?[\\w.-]+[${S}]*:`);
const SPACE_CHAR = new RegExp(`[${S}]`);
/** `.` stops at U+2028/U+2029, so a separator here fails the test too. */
const AFTER_CLOSING_QUOTE = new RegExp(`^[${S}]*(?:#.*)?$`);

const SEPARATOR_MESSAGE = 'a Unicode line or paragraph separator (U+2028, U+2029) may only appear inside a quoted value';
const BACKSLASH_HINT = ' (a quote right after a backslash does not close it)';

/**
 * What one statement (a line, or the lines of a multi-line value) amounts to. `nextLine`
 * is the index of the line to read next. After a quoted value whose closing quote is
 * followed by other text, that is the line after the closing quote, so the lines in
 * between are not reported one by one; after a quote that never closes, it is the next
 * line, where dotenv itself goes on reading.
 */
type Statement =
  | { kind: 'nothing'; nextLine: number }
  | { kind: 'entry'; key: string; value: string; span: ValueSpan; nextLine: number }
  | { kind: 'problem'; message: string; nextLine: number };

/**
 * Parses `.env` text the way `dotenv.parse` does, and reports every line it would have to
 * guess about. Whenever there are no problems, every entry's value is what `dotenv.parse`
 * returns for its key (with the default parser and with `{ fast: true }`; dotenv alone
 * drops a `__proto__` key, which a plain object cannot hold). The document always renders
 * back to `content` byte for byte.
 */
export function parseEnv(content: string): { document: EnvDocument; problems: EnvProblem[] } {
  const lines = splitLines(content);
  const entries: EnvEntry[] = [];
  const valueSpans: ValueSpan[] = [];
  const problems: EnvProblem[] = [];
  const firstLineOfKey = new Map<string, number>();
  for (let index = 0; index < lines.length; ) {
    const line = lines[index].number;
    const statement = readStatement(content, lines, index);
    if (statement.kind === 'problem') problems.push(problemAt(line, statement.message));
    if (statement.kind === 'entry') {
      const firstLine = firstLineOfKey.get(statement.key);
      if (firstLine === undefined) firstLineOfKey.set(statement.key, line);
      else problems.push(problemAt(line, `${statement.key} is already defined on line ${firstLine}`));
      entries.push({ index: entries.length, key: statement.key, value: statement.value, line });
      valueSpans.push(statement.span);
    }
    index = statement.nextLine;
  }
  return { document: { entries, source: content, valueSpans }, problems };
}

function problemAt(line: number, message: string): EnvProblem {
  return { line, message: `line ${line}: ${message}` };
}

function readStatement(source: string, lines: readonly PhysicalLine[], index: number): Statement {
  const line = lines[index];
  const text = source.slice(line.start, line.end);
  const head = ENTRY_HEAD.exec(text);
  if (head) return readEntry(source, lines, index, head[1], line.start + head[0].length);
  const nextLine = index + 1;
  if (BLANK.test(text)) return { kind: 'nothing', nextLine };
  if (UNICODE_SEPARATOR.test(text)) return { kind: 'problem', message: SEPARATOR_MESSAGE, nextLine };
  if (COMMENT.test(text)) return { kind: 'nothing', nextLine };
  return { kind: 'problem', message: describeMalformedLine(text), nextLine };
}

function readEntry(source: string, lines: readonly PhysicalLine[], index: number, key: string, afterEquals: number): Statement {
  const line = lines[index];
  const valueStart = skipSpaces(source, afterEquals, line.end);
  if (valueStart < line.end && isQuoteChar(source[valueStart])) {
    return readQuotedEntry(source, lines, index, key, valueStart);
  }
  const nextLine = index + 1;
  if (UNICODE_SEPARATOR.test(source.slice(line.start, line.end))) {
    return { kind: 'problem', message: SEPARATOR_MESSAGE, nextLine };
  }
  return { kind: 'entry', key, ...readUnquotedValue(source, line, afterEquals, valueStart), nextLine };
}

function skipSpaces(source: string, from: number, end: number): number {
  let at = from;
  while (at < end && SPACE_CHAR.test(source[at])) at++;
  return at;
}

/** Up to the first `#` (dotenv has no escape for it outside quotes), trimmed. */
function readUnquotedValue(source: string, line: PhysicalLine, afterEquals: number, start: number): { value: string; span: ValueSpan } {
  const hash = source.slice(start, line.end).indexOf('#');
  let end = hash === -1 ? line.end : start + hash;
  while (end > start && SPACE_CHAR.test(source[end - 1])) end--;
  const value = source.slice(start, end);
  // An empty value's token goes right after the `=`, so a replacement keeps the spacing
  // before a trailing comment.
  const span = value === '' ? { start: afterEquals, end: afterEquals } : { start, end };
  return { value, span };
}

/**
 * dotenv closes a quoted value on the first quote of the same kind that does not follow a
 * backslash, possibly lines later. (Failing that, it would backtrack to an earlier quote
 * that does follow a backslash; we report those files instead, because such a value
 * depends on the lines after it and would change meaning when they change.)
 */
function readQuotedEntry(source: string, lines: readonly PhysicalLine[], index: number, key: string, quoteAt: number): Statement {
  const quote = source[quoteAt] as QuoteChar;
  const close = closingQuoteOf(source, quoteAt);
  const kind = quoteKindName(quote);
  if (close === -1) {
    const hint = source.includes(`\\${quote}`, quoteAt) ? BACKSLASH_HINT : '';
    return { kind: 'problem', message: `the ${kind} value that starts here is never closed${hint}`, nextLine: index + 1 };
  }
  const closeIndex = lineIndexAt(lines, index, close);
  const rest = source.slice(close + 1, lines[closeIndex].end);
  const nextLine = closeIndex + 1;
  if (!AFTER_CLOSING_QUOTE.test(rest)) {
    const hint = source.slice(quoteAt, close).includes(`\\${quote}`) ? BACKSLASH_HINT : '';
    const closeLine = index === closeIndex ? null : lines[closeIndex].number;
    return { kind: 'problem', message: describeTextAfterQuote(rest, kind, closeLine) + hint, nextLine };
  }
  const value = unquote(quote, source.slice(quoteAt + 1, close));
  return { kind: 'entry', key, value, span: { start: quoteAt, end: close + 1 }, nextLine };
}

/** `closeLine` is null when the value closes on the line where it starts. */
function describeTextAfterQuote(rest: string, kind: string, closeLine: number | null): string {
  const what = UNICODE_SEPARATOR.test(rest)
    ? 'a Unicode line or paragraph separator (U+2028, U+2029)'
    : 'text other than whitespace and a # comment';
  if (closeLine === null) return `${what} follows the closing quote`;
  return `the ${kind} value that starts here closes on line ${closeLine}, where ${what} follows the closing quote`;
}

/** Says what is wrong without repeating the line: it may hold a secret. */
function describeMalformedLine(text: string): string {
  if (COLON_FORM.test(text)) return 'expected KEY=VALUE (the KEY: VALUE form is not supported)';
  if (text.includes('=')) return "expected KEY=VALUE, where KEY has only letters, digits, '_', '.' and '-'";
  return 'expected KEY=VALUE, export KEY=VALUE, a # comment or a blank line';
}
