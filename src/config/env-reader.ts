/**
 * Reads variables from an environment map and records every broken rule instead of
 * stopping at the first, so that an operator fixes a bad deployment in one round.
 * The parsers below throw RuleViolation; the reader turns each into "NAME: rule (got ...)".
 */
export class RuleViolation extends Error {}

export type Env = Record<string, string | undefined>;

export class EnvReader {
  private readonly problemList: string[] = [];

  constructor(private readonly env: Env) {}

  get problems(): readonly string[] {
    return this.problemList;
  }

  /** The raw value; an empty string counts as unset, as deployment tools often pass `NAME=`. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  /** Parses one variable; on a broken rule records it under the variable's name and returns undefined. */
  read<T>(name: string, parse: (raw: string | undefined) => T): T | undefined {
    try {
      return parse(this.raw(name));
    } catch (error) {
      if (!(error instanceof RuleViolation)) throw error;
      this.problemList.push(`${name}: ${error.message}`);
      return undefined;
    }
  }

  /** Records a rule that spans several variables, under the one the operator should change. */
  report(name: string, rule: string): void {
    this.problemList.push(`${name}: ${rule}`);
  }
}

export function required(raw: string | undefined): string {
  if (raw === undefined) throw new RuleViolation('is required');
  return raw;
}

/**
 * Only plain decimal integers: `Number()` and `parseInt()` would let "3abc", "2.5", "0x10",
 * "1e3" or " 3" through as numbers the operator never meant.
 */
export function parseInteger(raw: string): number {
  const value = /^-?[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw new RuleViolation(`must be a decimal integer (got ${quote(raw)})`);
  return value;
}

export function integerOr(raw: string | undefined, fallback: number): number {
  return raw === undefined ? fallback : parseInteger(raw);
}

export function integerInRange(raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = integerOr(raw, fallback);
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new RuleViolation(`must be an integer ${range} (got ${value})`);
  }
  return value;
}

/** Quotes an operator-supplied value for a message; never use it on secrets. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return JSON.stringify(shown);
}
