import { SECRET_NAME_PATTERN } from '../common/names';
import { EnvDirective } from './types';

export { SECRET_NAME_PATTERN };

/** Greedy and dot-all: the argument runs from the first `(` to the last `)`, newlines included. */
const DIRECTIVE = /^(enc|secret)\((.*)\)$/s;

/**
 * The directive a value holds, if the whole value (after dotenv's unquoting) is one:
 * `enc(VALUE)` or `secret(NAME)`. The name is returned as written; the caller checks it
 * against SECRET_NAME_PATTERN.
 */
export function directiveOf(value: string): EnvDirective | null {
  const match = DIRECTIVE.exec(value);
  if (!match) return null;
  const [, kind, argument] = match;
  return kind === 'enc' ? { kind: 'enc', value: argument } : { kind: 'secret', name: argument };
}
