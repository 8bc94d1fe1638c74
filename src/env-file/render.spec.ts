import { parse as dotenvParse } from 'dotenv';
import { EnvDocument, parseEnv, quoteForDotenv, renderEnv } from './index';
import { ENV_CORPUS } from './testing/corpus';
import { randomEnvFile, TRICKY_VALUE_ALPHABET } from './testing/generators';
import { SeededRandom } from './testing/random';

function parseClean(content: string): EnvDocument {
  const { document, problems } = parseEnv(content);
  expect(problems).toEqual([]);
  return document;
}

function token(value: string): string {
  const quoted = quoteForDotenv(value);
  if (quoted === null) throw new Error('test value must be representable');
  return quoted;
}

/** Physical lines with their line breaks, minus the lines of the given entries. */
function linesOutside(document: EnvDocument, indices: Set<number>): string[] {
  const lines = document.source.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
  const skipped = new Set<number>();
  for (const index of indices) {
    const span = document.valueSpans[index];
    const first = document.entries[index].line;
    const extra = document.source.slice(span.start, span.end).match(/\r\n|\r|\n/g)?.length ?? 0;
    for (let line = first; line <= first + extra; line++) skipped.add(line);
  }
  return lines.filter((_line, at) => !skipped.has(at + 1));
}

/** dotenv (both parsers) and parseEnv read `expected` from `content`. */
function expectValues(content: string, expected: Record<string, string>): void {
  expect(dotenvParse(content)).toEqual(expected);
  expect(dotenvParse(content, { fast: true })).toEqual(expected);
  const document = parseClean(content);
  expect(Object.fromEntries(document.entries.map((entry) => [entry.key, entry.value]))).toEqual(expected);
}

describe('renderEnv', () => {
  it('replaces only the value token, keeping export, key, spacing, comment and CRLF', () => {
    const document = parseClean('# head\r\nexport  KEY =\t"old" # note\r\nOTHER=1\r\n');
    const output = renderEnv(document, new Map([[0, "'new value'"]]));
    expect(output).toBe("# head\r\nexport  KEY =\t'new value' # note\r\nOTHER=1\r\n");
  });

  it('replaces every line of a multi-line value and keeps what follows its closing quote', () => {
    const document = parseClean('A=1\nPEM="x\ny\nz" # pem\nB=2');
    expect(renderEnv(document, new Map([[1, 'short']]))).toBe('A=1\nPEM=short # pem\nB=2');
  });

  it('puts a new token for an empty value right after the =', () => {
    const document = parseClean('A=   # c\nB=\nC=\t\n');
    const output = renderEnv(document, new Map([[0, 'x'], [1, "'y z'"], [2, 'w']]));
    expect(output).toBe("A=x   # c\nB='y z'\nC=w\t\n");
  });

  it('writes the file the .env endpoint answers with', () => {
    const document = parseClean('# app\nAPI_KEY=enc(abc) # created\nexport DB_PASSWORD = secret(DB_PASSWORD)\nPORT=3000\n');
    const replacements = new Map([
      [0, token('secret(API_KEY)')],
      [1, token(' p@ss word#1')],
    ]);
    const output = renderEnv(document, replacements);
    expect(output).toBe("# app\nAPI_KEY=secret(API_KEY) # created\nexport DB_PASSWORD = ' p@ss word#1'\nPORT=3000\n");
    expectValues(output, { API_KEY: 'secret(API_KEY)', DB_PASSWORD: ' p@ss word#1', PORT: '3000' });
  });

  it('accepts a multi-line token', () => {
    const document = parseClean('A=enc(x)\r\nB=2\r\n');
    const output = renderEnv(document, new Map([[0, token('l1\nl2 ')]]));
    expect(output).toBe("A='l1\nl2 '\r\nB=2\r\n");
    expectValues(output, { A: 'l1\nl2 ', B: '2' });
  });

  it('returns the source unchanged without replacements, and rejects an unknown entry', () => {
    const document = parseClean('A=1\n');
    expect(renderEnv(document, new Map())).toBe('A=1\n');
    expect(() => renderEnv(document, new Map([[1, 'x']]))).toThrow(RangeError);
    expect(() => renderEnv(document, new Map([[-1, 'x']]))).toThrow(RangeError);
  });

  it.each(ENV_CORPUS.map((file) => [file.name, file] as const))('rewrites every other value of %s and nothing else', (_name, file) => {
    const document = parseClean(file.content);
    const newValues = [' lead', 'a#b', "it's\nmultiline", 'x"y\'z\n', 'C:\\dir\\', '', 'plain', '\ttab'];
    const replaced = new Set(document.entries.filter((entry) => entry.index % 2 === 0).map((entry) => entry.index));
    const replacements = new Map([...replaced].map((index) => [index, token(newValues[index % newValues.length])]));
    const output = renderEnv(document, replacements);

    const expected = { ...file.values };
    for (const index of replaced) expected[document.entries[index].key] = newValues[index % newValues.length];
    expectValues(output, expected);
    expect(linesOutside(parseClean(output), replaced)).toEqual(linesOutside(document, replaced));
  });

  it('keeps generated files readable: replaced values change, the others stay', () => {
    let rewritten = 0;
    for (let seed = 1; seed <= 10000; seed++) {
      const random = new SeededRandom(seed);
      const { document, problems } = parseEnv(randomEnvFile(random));
      if (problems.length > 0 || document.entries.length === 0) continue;
      const expected = Object.fromEntries(document.entries.map((entry) => [entry.key, entry.value]));
      const replacements = new Map<number, string>();
      for (const entry of document.entries) {
        const value = random.string(TRICKY_VALUE_ALPHABET, 6);
        const quoted = random.int(2) === 0 ? quoteForDotenv(value) : null;
        if (quoted === null) continue;
        replacements.set(entry.index, quoted);
        expected[entry.key] = value;
      }
      const output = renderEnv(document, replacements);
      const context = `seed ${seed}: ${JSON.stringify(output)}`;
      expect([context, dotenvParse(output)]).toEqual([context, expected]);
      expect([context, dotenvParse(output, { fast: true })]).toEqual([context, expected]);
      expect([context, parseEnv(output).problems]).toEqual([context, []]);
      if (replacements.size > 0) rewritten++;
    }
    expect(rewritten).toBeGreaterThan(1000);
  });
});
