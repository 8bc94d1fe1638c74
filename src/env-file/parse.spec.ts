import { parse as dotenvParse } from 'dotenv';
import { EnvDocument, parseEnv, renderEnv } from './index';
import { ENV_CORPUS } from './testing/corpus';
import { randomEnvFile } from './testing/generators';
import { SeededRandom } from './testing/random';

function valuesOf(document: EnvDocument): Record<string, string> {
  return Object.fromEntries(document.entries.map((entry) => [entry.key, entry.value]));
}

/** Both of dotenv's parsers: the default regex one and the `fast` scanner. */
function dotenvBoth(content: string): Array<Record<string, string>> {
  return [dotenvParse(content), dotenvParse(content, { fast: true })];
}

function parseClean(content: string): EnvDocument {
  const { document, problems } = parseEnv(content);
  expect(problems).toEqual([]);
  return document;
}

function problemLines(content: string): number[] {
  return parseEnv(content).problems.map((problem) => problem.line);
}

describe('parseEnv on real-world files', () => {
  it.each(ENV_CORPUS.map((file) => [file.name, file] as const))('%s', (_name, file) => {
    for (const dotenvValues of dotenvBoth(file.content)) expect(dotenvValues).toEqual(file.values);
    const document = parseClean(file.content);
    expect(valuesOf(document)).toEqual(file.values);
    expect(renderEnv(document, new Map())).toBe(file.content);
  });

  it('numbers entries in order and gives the line where each starts', () => {
    const document = parseClean('# c\r\nA=1\r\nPEM="x\r\ny\r\nz"\r\n\r\nB=2\r\nC=\'p\nq\'\nD=3');
    expect(document.entries).toEqual([
      { index: 0, key: 'A', value: '1', line: 2 },
      { index: 1, key: 'PEM', value: 'x\ny\nz', line: 3 },
      { index: 2, key: 'B', value: '2', line: 7 },
      { index: 3, key: 'C', value: 'p\nq', line: 8 },
      { index: 4, key: 'D', value: '3', line: 10 },
    ]);
  });

  it('reads an empty file and a file of comments as no entries', () => {
    expect(parseClean('').entries).toEqual([]);
    expect(parseClean('# only\n\n   \n\t# comments\r\n').entries).toEqual([]);
  });
});

describe('parseEnv values, exactly as dotenv reads them', () => {
  it.each([
    ['an unquoted value stops at the first #', 'K=a#b # c', 'a'],
    ['an unquoted value is trimmed', 'K=  a b  ', 'a b'],
    ['an unquoted value keeps inner quotes', `K=a "b" 'c'`, `a "b" 'c'`],
    ['an unquoted backslash-n stays two characters', 'K=a\\nb', 'a\\nb'],
    ['double quotes expand \\n and \\r', 'K="a\\nb\\rc"', 'a\nb\rc'],
    ['double quotes keep every other backslash', 'K="a\\tb\\\\c\\$d"', 'a\\tb\\\\c\\$d'],
    ['double quotes expand \\n after a backslash', 'K="a\\\\nb"', 'a\\\nb'],
    ['single quotes expand nothing', "K='a\\nb'", 'a\\nb'],
    ['backticks expand nothing', 'K=`a\\nb`', 'a\\nb'],
    ['a quote after a backslash does not close the value', 'K="a\\"b"', 'a\\"b'],
    ['a single quote after a backslash does not close the value', "K='a\\'b'", "a\\'b"],
    ['a quoted value keeps its spaces', "K='  a  '", '  a  '],
    ['a multi-line value turns CRLF into LF', 'K="a\r\nb"', 'a\nb'],
    ['a multi-line value turns a lone CR into LF', "K='a\rb'", 'a\nb'],
    ['whitespace around = is allowed', 'K \t= \t"v"', 'v'],
    ['a second = belongs to the value', 'K==v', '=v'],
    ['a BOM counts as whitespace', '\ufeffK=v', 'v'],
    ['a separator inside quotes is kept', 'K="a\u2028b"', 'a\u2028b'],
  ])('%s', (_name, content, expected) => {
    expect(parseClean(content).entries[0].value).toBe(expected);
    for (const dotenvValues of dotenvBoth(content)) expect(dotenvValues.K).toBe(expected);
  });

  it('reads export only as a prefix, so export alone is a key', () => {
    expect(parseClean('export K=1').entries[0].key).toBe('K');
    expect(parseClean('export =1').entries[0].key).toBe('export');
    expect(parseClean('exportK=1').entries[0].key).toBe('exportK');
  });
});

describe('parseEnv problems', () => {
  it.each([
    ['a line without =', 'A=1\nJUST_A_KEY\nB=2\n', [2]],
    ['a line without a key', '=value\n', [1]],
    ['a key with a character dotenv does not allow', 'A=1\nMY KEY=1\nKÉY=2\n', [2, 3]],
    ['the KEY: VALUE form', 'A: b\n', [1]],
    ['export without an entry', 'export\nexport A\n', [1, 2]],
    ['a stray quoted line', 'A=\n"orphan"\n', [2]],
    ['an unterminated double quote', 'A=1\nB="open\nC=3\n', [2]],
    ['an unterminated single quote', "A='open", [1]],
    ['an unterminated backtick', 'A=`open\n', [1]],
    ['a quote whose only closing quote follows a backslash', 'A="C:\\dir\\"\n', [1]],
    ['text after a closing quote', 'A="x" y\nB=2\n', [1]],
    ['text after a closing quote with no space', "A='x'y\n", [1]],
    ['a second quoted part', 'A="x""y"\n', [1]],
    ['a duplicate key', 'A=1\nB=2\nA=3\n', [3]],
    ['a duplicate key with export', 'A=1\nexport A=2\n', [2]],
    ['a third occurrence too', 'A=1\nA=2\nA=3\n', [2, 3]],
    ['a Unicode line separator outside quotes', 'A=x\u2028B=1\n# c\u2029\n', [1, 2]],
    ['a Unicode separator after a closing quote', 'A="x"\u2028\n', [1]],
  ])('%s', (_name, content, lines) => {
    expect(problemLines(content)).toEqual(lines);
  });

  it('gives the line where an unterminated quote starts, after multi-line values and in CRLF files', () => {
    const content = 'A=1\r\nPEM="a\r\nb\r\nc"\r\n\r\nB=\'never closed\r\nC=3\r\n';
    expect(parseEnv(content).problems).toEqual([
      { line: 6, message: 'line 6: the single-quoted value that starts here is never closed' },
    ]);
  });

  it('names the line where the closing quote is when text follows it lines later', () => {
    const { problems } = parseEnv('A=1\nB="one\ntwo" junk\nC=2\n');
    expect(problems).toEqual([
      {
        line: 2,
        message: 'line 2: the double-quoted value that starts here closes on line 3, where text other than whitespace and a # comment follows the closing quote',
      },
    ]);
  });

  it('explains that a backslash stops a quote from closing', () => {
    const [problem] = parseEnv('A="C:\\dir\\"\nB=1\n').problems;
    expect(problem.message).toBe('line 1: the double-quoted value that starts here is never closed (a quote right after a backslash does not close it)');
  });

  it('names the key and its first line for a duplicate, after multi-line values in a CRLF file', () => {
    const content = 'KEY=1\r\nPEM="x\r\ny"\r\n# c\r\nKEY="2"\r\n';
    expect(parseEnv(content).problems).toEqual([{ line: 5, message: 'line 5: KEY is already defined on line 1' }]);
  });

  it('goes on after a problem and still reads the other entries', () => {
    const { document, problems } = parseEnv("A=1\nnot an entry\nB=\"open\nC=3\nD='4'\nA=5\n");
    expect(problems.map((problem) => problem.line)).toEqual([2, 3, 6]);
    expect(valuesOf(document)).toEqual({ A: '5', C: '3', D: '4' });
  });

  it('skips the lines of a multi-line value whose closing quote is followed by text', () => {
    const { document, problems } = parseEnv('A="one\nNOT=1\ntwo" junk\nB=2\n');
    expect(problems.map((problem) => problem.line)).toEqual([1]);
    expect(valuesOf(document)).toEqual({ B: '2' });
  });

  it('never repeats a value in a message', () => {
    const secret = 'hunter2-SECRET';
    const contents = [
      `${secret}\n`,
      `A=${secret}\nA=${secret}\n`,
      `A="${secret}`,
      `A='${secret}' ${secret}\n`,
      `A: ${secret}\n`,
      `A=${secret}\u2028\n`,
      `${secret} ${secret} = x\n`,
    ];
    for (const content of contents) {
      const { problems } = parseEnv(content);
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem.message).not.toContain('hunter2');
    }
  });

  it('keeps the source of a file with problems, so rendering it changes nothing', () => {
    const content = 'A=1\r\njunk\nB="open\r\n';
    expect(renderEnv(parseEnv(content).document, new Map())).toBe(content);
  });
});

describe('parseEnv against dotenv on generated files', () => {
  it('agrees with both dotenv parsers on every file it accepts, and renders every file back unchanged', () => {
    let accepted = 0;
    let acceptedMultiLine = 0;
    for (let seed = 1; seed <= 20000; seed++) {
      const content = randomEnvFile(new SeededRandom(seed));
      const { document, problems } = parseEnv(content);
      expect(renderEnv(document, new Map())).toBe(content);
      if (problems.length > 0) continue;
      accepted++;
      if (document.entries.some((entry) => entry.value.includes('\n'))) acceptedMultiLine++;
      for (const dotenvValues of dotenvBoth(content)) {
        if (JSON.stringify(dotenvValues) !== JSON.stringify(valuesOf(document))) {
          throw new Error(`seed ${seed}: ${JSON.stringify(content)} differs from dotenv`);
        }
      }
    }
    // Enough accepted files that the comparison means something.
    expect(accepted).toBeGreaterThan(5000);
    expect(acceptedMultiLine).toBeGreaterThan(500);
  });

  it('only reports lines that exist', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const content = randomEnvFile(new SeededRandom(seed));
      const lineCount = content.split(/\r\n|\r|\n/).length;
      for (const problem of parseEnv(content).problems) {
        expect(problem.line).toBeGreaterThanOrEqual(1);
        expect(problem.line).toBeLessThanOrEqual(lineCount);
        expect(problem.message.startsWith(`line ${problem.line}: `)).toBe(true);
      }
    }
  });
});
