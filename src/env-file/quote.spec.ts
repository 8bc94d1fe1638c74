import { parse as dotenvParse } from 'dotenv';
import { parseEnv, quoteForDotenv } from './index';
import { TRICKY_VALUE_ALPHABET } from './testing/generators';
import { SeededRandom } from './testing/random';

type Form = 'bare' | 'single' | 'double' | 'backtick';

/**
 * Lines after the token that end in a backslash and a quote of each kind. dotenv may run a
 * quoted value on to such a line when the value's own closing quote does not count, so a
 * token that reads back here does not depend on what follows it.
 */
const HOSTILE_LINES = [String.raw`# \'`, String.raw`# \"`, '# \\`', String.raw`A=1\'`, String.raw`B=2\"`, 'C=3\\`', 'AFTER=after'];

function inHostileFile(token: string): string {
  return `BEFORE=before\nK=${token} # note\n${HOSTILE_LINES.join('\n')}\n`;
}

/** dotenv (both parsers) and parseEnv read `token` back as `value`, alone and among other lines. */
function readsBackEverywhere(token: string, value: string): boolean {
  for (const fast of [false, true]) {
    if (dotenvParse(`K=${token}\n`, { fast }).K !== value) return false;
    const values = dotenvParse(inHostileFile(token), { fast });
    if (values.K !== value || values.BEFORE !== 'before' || values.AFTER !== 'after') return false;
  }
  const { document, problems } = parseEnv(inHostileFile(token));
  return problems.length === 0 && document.entries[1].value === value;
}

/**
 * Every token of every form that could stand for `value`, simplest form first. Inside
 * single quotes and backticks nothing is escaped, so each has one candidate; in double
 * quotes an LF can be `\n` or a real line break and a CR only `\r` (dotenv turns a raw CR
 * into LF); no other character has a second spelling anywhere.
 */
function candidateTokens(value: string): Array<{ form: Form; token: string }> {
  let doubleInners = [''];
  for (const char of value) {
    const spellings = char === '\n' ? ['\\n', '\n'] : char === '\r' ? ['\\r'] : [char];
    doubleInners = doubleInners.flatMap((inner) => spellings.map((spelling) => inner + spelling));
  }
  return [
    { form: 'bare', token: value },
    { form: 'single', token: `'${value}'` },
    ...doubleInners.map((inner) => ({ form: 'double' as const, token: `"${inner}"` })),
    { form: 'backtick', token: `\`${value}\`` },
  ];
}

function formOf(token: string): Form {
  const forms: Record<string, Form> = { "'": 'single', '"': 'double', '`': 'backtick' };
  return forms[token[0]] ?? 'bare';
}

describe('quoteForDotenv', () => {
  it.each([
    ['the empty string', '', ''],
    ['a plain word', 'abc', 'abc'],
    ['inner spaces', 'two words', 'two words'],
    ['a dollar sign', '$HOME and ${PATH}', '$HOME and ${PATH}'],
    ['equals signs', 'a=b==', 'a=b=='],
    ['quotes inside', `it's "fine"`, `it's "fine"`],
    ['a literal backslash-n', 'a\\nb', 'a\\nb'],
    ['a trailing backslash', 'C:\\dir\\', 'C:\\dir\\'],
    ['Unicode', 'héllo 🔑', 'héllo 🔑'],
    ['a NUL character', 'a\u0000b', 'a\u0000b'],
    ['a leading space', ' a', "' a'"],
    ['a trailing tab', 'a\t', "'a\t'"],
    ['a hash', 'a#b', "'a#b'"],
    ['a leading quote', '"a"', `'"a"'`],
    ['a leading backtick', '`a', "'`a'"],
    ['a BOM', '\ufeffa', "'\ufeffa'"],
    ['a Unicode line separator', 'a\u2028b', "'a\u2028b'"],
    ['a line break', 'one\ntwo', "'one\ntwo'"],
    ['an escaped single quote', " it\\'s", "' it\\'s'"],
    ['a leading single quote', "'a'", `"'a'"`],
    ['a single quote and a line break', "it's\nfine", `"it's\\nfine"`],
    ['a CR', 'a\rb', '"a\\rb"'],
    ['a CRLF', 'a\r\nb', '"a\\r\\nb"'],
    ['a backslash before a line break', 'a\\\nb', "'a\\\nb'"],
    ['a backslash before a CR', 'a\\\rb', '"a\\\\rb"'],
    ['an escaped double quote after a single quote', `'\\"`, `"'\\""`],
    ['every quote kind and a line break', `'"\n`, "`'\"\n`"],
    ['every quote kind and a literal \\n', ` '"\\n`, "` '\"\\n`"],
  ])('writes %s', (_name, value, expected) => {
    const token = quoteForDotenv(value);
    expect(token).toBe(expected);
    expect(dotenvParse(`K=${token}\n`).K).toBe(value);
    expect(readsBackEverywhere(token as string, value)).toBe(true);
  });

  it.each([
    ['every quote kind and a leading space', ` '"\``],
    ['a trailing backslash that needs quotes', ' C:\\dir\\'],
    ['a trailing backslash after a line break', 'a\nb\\'],
    ['a CR and every quote kind', "'\"`\r"],
    ['a CR and a literal \\n', ' \\n\r'],
    ['a CR and a literal \\r', '\r\\r'],
    ['a literal \\r, a single quote and a backtick', "'\\r`"],
  ])('returns null for %s, which no form reads back', (_name, value) => {
    expect(quoteForDotenv(value)).toBeNull();
    for (const { token } of candidateTokens(value)) expect(readsBackEverywhere(token, value)).toBe(false);
  });

  it('refuses a quoted value that ends in a backslash: alone it reads back, but a later line can run it on', () => {
    for (const quote of ["'", '"', '`']) {
      const token = `${quote} a\\${quote}`;
      expect(dotenvParse(`K=${token}\n`).K).toBe(' a\\');
      expect(dotenvParse(inHostileFile(token)).K).not.toBe(' a\\');
    }
    expect(quoteForDotenv(' a\\')).toBeNull();
  });

  it('picks the simplest form that reads back, and null only when none does, for generated values', () => {
    const seen = new Set<Form | 'null'>();
    for (let seed = 1; seed <= 3000; seed++) {
      const value = new SeededRandom(seed).string(TRICKY_VALUE_ALPHABET, 7);
      const token = quoteForDotenv(value);
      const simplest = candidateTokens(value).find((candidate) => readsBackEverywhere(candidate.token, value));
      const context = `seed ${seed}, value ${JSON.stringify(value)}`;
      if (token === null) {
        expect([context, simplest]).toEqual([context, undefined]);
        seen.add('null');
      } else {
        expect([context, readsBackEverywhere(token, value), formOf(token)]).toEqual([context, true, simplest?.form]);
        seen.add(formOf(token));
      }
    }
    expect([...seen].sort()).toEqual(['backtick', 'bare', 'double', 'null', 'single']);
  });
});
