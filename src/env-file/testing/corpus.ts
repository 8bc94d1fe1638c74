/**
 * `.env` files in the shapes people really write, each with the values dotenv gives them.
 * The specs check that dotenv agrees with `values` (so the corpus itself is right), that
 * parseEnv agrees with both, and that the files survive a parse/render round trip.
 */
export interface CorpusFile {
  name: string;
  content: string;
  values: Record<string, string>;
}

const PEM_BODY = [
  'MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAq7BFUpkGp3+LQmlQ',
  'Yx2eqzDV+xeG8kx/sQFV18S5JhzGeIJNA72wSeukEPojtqUyX2J0CciPBh7eqclQ',
  '2zpAswIDAQABAkAgisq4+zRdrzkwH1ITV1vpytnkO/NiHcnePQiOW0VUybPyHoGM',
].join('\n');
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----`;

export const ENV_CORPUS: readonly CorpusFile[] = [
  {
    name: 'a typical app config with comments and blank lines',
    content: [
      '# Database',
      'DATABASE_URL=postgres://app:s3cr3t@db.internal:5432/app?sslmode=require&pool=10',
      'DB_POOL_SIZE=10 # connections per replica',
      '',
      '# HTTP',
      'PORT=3000',
      'HOST=0.0.0.0',
      'LOG_LEVEL=info',
      '',
      '',
      'FEATURE_FLAGS=a,b,c',
      '',
    ].join('\n'),
    values: {
      DATABASE_URL: 'postgres://app:s3cr3t@db.internal:5432/app?sslmode=require&pool=10',
      DB_POOL_SIZE: '10',
      PORT: '3000',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      FEATURE_FLAGS: 'a,b,c',
    },
  },
  {
    name: 'shell-style export lines',
    content: 'export NODE_ENV=production\nexport  API_URL="https://api.example.com/v1"\n\texport\tTOKEN=abc\nexport=not-a-keyword\n',
    values: { NODE_ENV: 'production', API_URL: 'https://api.example.com/v1', TOKEN: 'abc', export: 'not-a-keyword' },
  },
  {
    name: 'all three quote kinds',
    content: [
      `SINGLE='single # not a comment $HOME'`,
      `DOUBLE="double with 'single' inside"`,
      "BACKTICK=`has 'single' and \"double\" inside`",
      `JSON='{"user":"app","roles":["read","write"]}'`,
      `SPACES='  padded  '`,
      '',
    ].join('\n'),
    values: {
      SINGLE: 'single # not a comment $HOME',
      DOUBLE: "double with 'single' inside",
      BACKTICK: `has 'single' and "double" inside`,
      JSON: '{"user":"app","roles":["read","write"]}',
      SPACES: '  padded  ',
    },
  },
  {
    name: 'escapes: only \\n and \\r inside double quotes expand',
    content: [
      String.raw`DOUBLE_NL="one\ntwo"`,
      String.raw`DOUBLE_CR="one\rtwo"`,
      String.raw`SINGLE_NL='one\ntwo'`,
      String.raw`BACKTICK_NL=` + '`one\\ntwo`',
      String.raw`UNQUOTED_NL=one\ntwo`,
      String.raw`TAB_KEPT="a\tb"`,
      String.raw`ESCAPED_QUOTE="say \"hi\""`,
      String.raw`ESCAPED_SINGLE='it\'s'`,
      String.raw`BACKSLASHES="C:\\Users\\app"`,
      String.raw`WINDOWS_PATH=C:\Program Files\app\ `,
      '',
    ].join('\n'),
    values: {
      DOUBLE_NL: 'one\ntwo',
      DOUBLE_CR: 'one\rtwo',
      SINGLE_NL: String.raw`one\ntwo`,
      BACKTICK_NL: String.raw`one\ntwo`,
      UNQUOTED_NL: String.raw`one\ntwo`,
      TAB_KEPT: String.raw`a\tb`,
      ESCAPED_QUOTE: String.raw`say \"hi\"`,
      ESCAPED_SINGLE: String.raw`it\'s`,
      BACKSLASHES: String.raw`C:\\Users\\app`,
      WINDOWS_PATH: String.raw`C:\Program Files\app\ `.trimEnd(),
    },
  },
  {
    name: 'inline comments and # inside quotes',
    content: [
      'PLAIN=value # trailing comment',
      'TIGHT=value#no space before the hash',
      'HASH_DOUBLE="#not-a-comment" # but this is',
      "HASH_SINGLE='a#b'#comment",
      'COLOR=#fff',
      'AFTER_QUOTE="x"   ',
      '',
    ].join('\n'),
    values: { PLAIN: 'value', TIGHT: 'value', HASH_DOUBLE: '#not-a-comment', HASH_SINGLE: 'a#b', COLOR: '', AFTER_QUOTE: 'x' },
  },
  {
    name: 'empty values',
    content: 'EMPTY=\nEMPTY_SPACES=   \nEMPTY_SINGLE=\'\'\nEMPTY_DOUBLE=""\nEMPTY_BACKTICK=``\nEMPTY_COMMENT= # nothing here\nLAST=\n',
    values: { EMPTY: '', EMPTY_SPACES: '', EMPTY_SINGLE: '', EMPTY_DOUBLE: '', EMPTY_BACKTICK: '', EMPTY_COMMENT: '', LAST: '' },
  },
  {
    name: 'odd spacing around keys and =',
    content: '  INDENTED=1\nSPACED = 2\nSPACED_MORE   =   3   \n\tTABBED\t=\t4\t\nQUOTED_SPACED =  "5"  # c\nDOTS.AND-DASHES=6\nEQUALS==x=y\n',
    values: { INDENTED: '1', SPACED: '2', SPACED_MORE: '3', TABBED: '4', QUOTED_SPACED: '5', 'DOTS.AND-DASHES': '6', EQUALS: '=x=y' },
  },
  {
    name: 'a Windows file with CRLF line breaks',
    content: '# from Windows\r\nA=1\r\nB="two words"\r\n\r\nC=\'three\' # c\r\nMULTI="line one\r\nline two"\r\nD=4\r\n',
    values: { A: '1', B: 'two words', C: 'three', MULTI: 'line one\nline two', D: '4' },
  },
  {
    name: 'PEM keys as multi-line double quotes, single quotes and \\n escapes',
    content: [
      `PRIVATE_KEY="${PEM}"`,
      `PRIVATE_KEY_SINGLE='${PEM}'`,
      `PRIVATE_KEY_ONE_LINE="${PEM.replace(/\n/g, '\\n')}"`,
      'AFTER=ok',
      '',
    ].join('\n'),
    values: { PRIVATE_KEY: PEM, PRIVATE_KEY_SINGLE: PEM, PRIVATE_KEY_ONE_LINE: PEM, AFTER: 'ok' },
  },
  {
    name: 'a multi-line value whose lines look like entries and comments',
    content: 'CERT="-----BEGIN-----\n# not a comment\nNOT_A_KEY=1\n  indented\n-----END-----" # real comment\nNEXT=2\n',
    values: { CERT: '-----BEGIN-----\n# not a comment\nNOT_A_KEY=1\n  indented\n-----END-----', NEXT: '2' },
  },
  {
    name: 'no final line break',
    content: '# last line has no newline\nA=1\nB="quoted"',
    values: { A: '1', B: 'quoted' },
  },
  {
    name: 'a byte order mark and Unicode values',
    content: '\ufeffGREETING=héllo wörld\nEMOJI="🔑 key"\nNBSP_AROUND=\u00a0x\u00a0\nSEPARATOR_QUOTED="a\u2028b"\n',
    values: { GREETING: 'héllo wörld', EMOJI: '🔑 key', NBSP_AROUND: 'x', SEPARATOR_QUOTED: 'a\u2028b' },
  },
  {
    name: 'directives as users write them',
    content: 'API_KEY=enc(sk_live_123)\nDB_URL=secret(DB_URL)\nQUOTED="enc(a b # c)"\nNOT_DIRECTIVE=x enc(y)\n',
    values: { API_KEY: 'enc(sk_live_123)', DB_URL: 'secret(DB_URL)', QUOTED: 'enc(a b # c)', NOT_DIRECTIVE: 'x enc(y)' },
  },
  {
    name: 'mixed and lone-CR line breaks',
    content: 'A=1\r\nB=2\nC=3\rD="x\ry"\n',
    values: { A: '1', B: '2', C: '3', D: 'x\ny' },
  },
  {
    name: 'quotes and dollars inside unquoted values',
    content: `PASSWORD=pa'ss"wo\`rd\nTEMPLATE=Hello \${USER}\nCOST=$5.00\nRATIO=1:2\n`,
    values: { PASSWORD: `pa'ss"wo\`rd`, TEMPLATE: 'Hello ${USER}', COST: '$5.00', RATIO: '1:2' },
  },
];
