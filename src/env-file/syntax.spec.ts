import { parseEnv } from './index';
import { INLINE_SPACE } from './syntax';

describe('whitespace', () => {
  it('is exactly what dotenv sees as whitespace (JavaScript \\s), without the line breaks', () => {
    const inline = new RegExp(`^[${INLINE_SPACE}]$`);
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      const expected = /\s/.test(char) && !'\n\r\u2028\u2029'.includes(char);
      if (inline.test(char) !== expected) throw new Error(`U+${code.toString(16)} is classified wrongly`);
    }
  });

  it('lets every such character indent a line and pad a value', () => {
    for (const space of ['\t', '\v', '\f', ' ', '\u00a0', '\u1680', '\u2000', '\u200a', '\u202f', '\u205f', '\u3000', '\ufeff']) {
      const { document, problems } = parseEnv(`${space}K${space}=${space}v${space}\n${space}\n`);
      expect(problems).toEqual([]);
      expect(document.entries[0].value).toBe('v');
    }
  });
});
