import { directiveOf, parseEnv, SECRET_NAME_PATTERN } from './index';

describe('directiveOf', () => {
  it.each([
    ['enc(abc)', { kind: 'enc', value: 'abc' }],
    ['enc()', { kind: 'enc', value: '' }],
    ['enc(a b # c)', { kind: 'enc', value: 'a b # c' }],
    ['enc(f(x))', { kind: 'enc', value: 'f(x)' }],
    ['enc(a)b)', { kind: 'enc', value: 'a)b' }],
    ['enc((()', { kind: 'enc', value: '((' }],
    ['enc(line1\nline2)', { kind: 'enc', value: 'line1\nline2' }],
    ['enc(secret(X))', { kind: 'enc', value: 'secret(X)' }],
    ['secret(DB_URL)', { kind: 'secret', name: 'DB_URL' }],
    ['secret(app.db-url_2)', { kind: 'secret', name: 'app.db-url_2' }],
    ['secret()', { kind: 'secret', name: '' }],
    ['secret(not a name)', { kind: 'secret', name: 'not a name' }],
  ])('reads %j', (value, expected) => {
    expect(directiveOf(value)).toEqual(expected);
  });

  it.each([
    'x enc(y)',
    'enc(y) x',
    ' enc(y)',
    'enc(y) ',
    'enc(y',
    'enc y)',
    'ENC(y)',
    'Secret(X)',
    'encrypt(y)',
    'secrets(X)',
    'enc (y)',
    'enc(y)\n',
    '',
    'plain',
  ])('does not read %j', (value) => {
    expect(directiveOf(value)).toBeNull();
  });

  it('looks at the value after dotenv unquoting, not at the raw text', () => {
    const { document } = parseEnv('A="enc(a b)"\nB=x enc(y)\nC=\'secret(S)\' # c\nD="enc(1\\n2)"\nE=" enc(z)"\n');
    expect(document.entries.map((entry) => directiveOf(entry.value))).toEqual([
      { kind: 'enc', value: 'a b' },
      null,
      { kind: 'secret', name: 'S' },
      { kind: 'enc', value: '1\n2' },
      null,
    ]);
  });
});

describe('SECRET_NAME_PATTERN', () => {
  it.each(['A', '_', 'db.url', 'DB-URL_2', 'a'.repeat(128)])('accepts %j', (name) => {
    expect(SECRET_NAME_PATTERN.test(name)).toBe(true);
  });

  it.each(['', '1A', '.a', '-a', 'a b', 'a/b', 'a'.repeat(129), 'é'])('rejects %j', (name) => {
    expect(SECRET_NAME_PATTERN.test(name)).toBe(false);
  });
});
