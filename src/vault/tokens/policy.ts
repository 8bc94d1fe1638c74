import { ForbiddenError } from '../../common/errors';

/**
 * Token policies (docs/security.md, "Policies"): rules of `{effect, capabilities, names}`.
 * A request is allowed when some allow rule covers each capability and name it needs and
 * no deny rule does; anything not allowed is denied. Pure: no I/O, no Nest.
 */
export const CAPABILITIES = ['read', 'list', 'write', 'delete', 'env', 'admin'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Capabilities that are not about one secret: a rule listing them covers them whatever its names. */
export const UNSCOPED_CAPABILITIES: readonly Capability[] = ['env', 'admin'];

export interface PolicyRule {
  effect: 'allow' | 'deny';
  capabilities: Capability[];
  names: string[];
}

/** A name pattern: name characters, with `*` standing for any run of characters (none included). */
export const NAME_PATTERN_PATTERN = /^[A-Za-z0-9_.*-]{1,128}$/;
export const NAME_PATTERN_RULE = 'a name pattern is 1 to 128 of A-Z a-z 0-9 _ . - and *, where * matches any run of characters';
export const MAX_RULES = 32;
export const MAX_PATTERNS = 256;

/** What one request needs: a capability, on a name unless the capability is unscoped. */
export interface AccessNeed {
  capability: Capability;
  name?: string;
}

interface CompiledRule {
  effect: 'allow' | 'deny';
  capabilities: ReadonlySet<Capability>;
  matches: (name: string) => boolean;
}

export class Policy {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly PolicyRule[]) {
    this.rules = rules.map((rule) => ({ effect: rule.effect, capabilities: new Set(rule.capabilities), matches: nameMatcher(rule.names) }));
  }

  /** Every capability on every name: the bootstrap token's policy. */
  static allowAll(): Policy {
    return new Policy([{ effect: 'allow', capabilities: [...CAPABILITIES], names: ['*'] }]);
  }

  allows(need: AccessNeed): boolean {
    let allowed = false;
    for (const rule of this.rules) {
      if (!rule.capabilities.has(need.capability)) continue;
      if (!covers(rule, need)) continue;
      if (rule.effect === 'deny') return false;
      allowed = true;
    }
    return allowed;
  }

  /** The needs this policy does not grant, in the order given (duplicates once). */
  lacking(needs: readonly AccessNeed[]): AccessNeed[] {
    const seen = new Set<string>();
    const lacking: AccessNeed[] = [];
    for (const need of needs) {
      const key = `${need.capability}\n${need.name ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!this.allows(need)) lacking.push(need);
    }
    return lacking;
  }

  /** Throws 403 FORBIDDEN naming every need lacking (the first as `capability` and `name`). */
  require(needs: readonly AccessNeed[]): void {
    const lacking = this.lacking(needs);
    if (lacking.length > 0) throw new ForbiddenError(lacking);
  }
}

function covers(rule: CompiledRule, need: AccessNeed): boolean {
  if (UNSCOPED_CAPABILITIES.includes(need.capability)) return true;
  return need.name !== undefined && rule.matches(need.name);
}

/** One regular expression per rule: the patterns, each anchored, `*` as `.*`, the rest literal. */
function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const wild = patterns.filter((p) => p.includes('*'));
  const regex = wild.length
    ? new RegExp(`^(?:${wild.map((p) => p.split('*').map(escapeRegex).join('.*')).join('|')})$`, 's')
    : null;
  return (name) => exact.has(name) || (regex !== null && regex.test(name));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/** Every problem of a rule list, as `rules[i].field: problem`; empty when it is valid. */
export function ruleProblems(rules: readonly PolicyRule[]): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (rules.length > MAX_RULES) problems.push({ field: 'rules', message: `at most ${MAX_RULES} rules` });
  const patterns = rules.reduce((sum, r) => sum + r.names.length, 0);
  if (patterns > MAX_PATTERNS) problems.push({ field: 'rules', message: `at most ${MAX_PATTERNS} name patterns in all` });
  rules.forEach((rule, i) => {
    rule.names.forEach((pattern, j) => {
      if (!NAME_PATTERN_PATTERN.test(pattern)) problems.push({ field: `rules.${i}.names.${j}`, message: NAME_PATTERN_RULE });
    });
  });
  return problems;
}
