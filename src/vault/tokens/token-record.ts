import { compileSchema, S } from '../../common/schema';
import { CAPABILITIES, MAX_PATTERNS, MAX_RULES, NAME_PATTERN_PATTERN, PolicyRule } from './policy';
import { TOKEN_ID_PATTERN } from './token-format';

/** Token names: what an operator calls it, shown in listings and the audit trail. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,63}$/;
export const TOKEN_NAME_RULE = 'name must be 1 to 64 of A-Z a-z 0-9 _ . @ : -, starting with a letter or digit';

export interface TokenRateLimit {
  perSecond: number;
  burst: number;
}

/**
 * What the vault keeps of a token, as the value of the reserved secret `_vault.token.<id>`
 * (so Shamir-split and quorum-committed like any secret). Never the token itself: `hash`
 * is a digest of its secret, by the scheme `v` names (token-format.ts): 2, unkeyed SHA-256,
 * for every record made now; 1, an HMAC keyed from the peer secret, for older records.
 */
export interface TokenRecord {
  v: 1 | 2;
  id: string;
  name: string;
  hash: string;
  rules: PolicyRule[];
  createdAt: number;
  /** Who created it: a token id and name (the bootstrap token is `bootstrap`). */
  createdBy: { id: string; name: string };
  expiresAt: number | null;
  revokedAt: number | null;
  /** Overrides VAULT_RATE_LIMIT_PER_SECOND and _BURST for this token. */
  rateLimit: TokenRateLimit | null;
}

/** The index `_vault.tokens`: every token not revoked, as [id, name, createdAt, expiresAt]. */
export interface TokenIndex {
  v: 1;
  tokens: Array<[string, string, number, number | null]>;
}

const time = S.int(0, 8_640_000_000_000_000);
const ruleSchema = S.object({
  effect: S.enum('allow', 'deny'),
  capabilities: { ...S.array(S.enum(...CAPABILITIES), CAPABILITIES.length, 1), uniqueItems: true },
  names: S.array(S.pattern(NAME_PATTERN_PATTERN), MAX_PATTERNS, 1),
});

export const isTokenRecord = compileSchema<TokenRecord>(
  S.object({
    v: { enum: [1, 2] },
    id: S.pattern(TOKEN_ID_PATTERN),
    name: S.pattern(TOKEN_NAME_PATTERN),
    hash: S.string(64, 16),
    rules: S.array(ruleSchema, MAX_RULES),
    createdAt: time,
    createdBy: S.object({ id: S.string(64, 1), name: S.string(64, 1) }),
    expiresAt: S.nullable(time),
    revokedAt: S.nullable(time),
    rateLimit: S.nullable(S.object({ perSecond: S.int(1, 1_000_000), burst: S.int(1, 2_000_000) })),
  }),
);

export const isTokenIndex = compileSchema<TokenIndex>(
  S.object({
    v: { const: 1 },
    tokens: S.array(
      {
        type: 'array',
        minItems: 4,
        maxItems: 4,
        additionalItems: false,
        items: [S.pattern(TOKEN_ID_PATTERN), S.pattern(TOKEN_NAME_PATTERN), time, S.nullable(time)],
      },
      100_000,
    ),
  }),
);
