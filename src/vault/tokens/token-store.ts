import { Clock } from '../../common/clock';
import { SecretNotFoundError, TokenNotFoundError, ValidationFailedError, VaultError, WriteConflictError } from '../../common/errors';
import { IdempotencyRequest } from '../secrets/idempotency';
import { ItemProblem, WriteIntent } from '../secrets/secret-transaction';
import { SecretTransactions } from '../secrets/secret-transactions';
import { SecretReader } from '../secrets/secret-reader';
import { PreparedSplit } from '../secrets/split';
import { PolicyRule } from './policy';
import { issueToken, TOKEN_INDEX_NAME, tokenDigest, tokenRecordName } from './token-format';
import { isTokenIndex, isTokenRecord, TokenIndex, TokenRateLimit, TokenRecord } from './token-record';

/**
 * Tokens not revoked at once: the index `_vault.tokens` lists them all in one value of at
 * most 64 KiB (an entry takes at most about 110 bytes). Expired tokens leave the index at
 * the next create or revoke.
 */
export const MAX_LIVE_TOKENS = 400;
/** Attempts at a create or revoke whose index moved under it (another create or revoke won). */
const INDEX_ATTEMPTS = 8;
/** Added to the cache TTL before a revoke answers: timers may fire a little early. */
const REVOKE_MARGIN_MS = 50;

export interface CreateTokenCommand {
  name: string;
  rules: PolicyRule[];
  ttlSeconds?: number;
  rateLimit?: TokenRateLimit;
  createdBy: { id: string; name: string };
  gatewayTime: number;
  idempotency?: IdempotencyRequest;
}

export interface CreatedToken {
  id: string;
  name: string;
  createdAt: number;
  expiresAt: number | null;
  /** The token, shown once; absent when an Idempotency-Key retry replays the first answer. */
  token?: string;
}

export interface TokenSummary {
  id: string;
  name: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface TokenStoreOptions {
  transactions: SecretTransactions;
  reader: SecretReader;
  clock: Clock;
  /** How long replicas trust a token they looked up: a revoke answers only after it. */
  cacheTtlMs: number;
  /** This replica forgets a token at once when it revokes it. */
  onRevoked: (id: string) => void;
}

/** The index moved between our read and our commit: read it again and retry (never seen by a client). */
class IndexMoved extends VaultError {
  constructor() {
    super('VERSION_CONFLICT', 'the token index changed meanwhile');
  }
}

/**
 * Tokens as cluster state (docs/security.md, "Tokens"): each token's record is the value of
 * the reserved secret `_vault.token.<id>`, and the index of live tokens the value of
 * `_vault.tokens`; a create or a revoke changes both in one transaction of the same
 * two-phase flow as any secret, so a token created on one replica is known to every other
 * at once, and a revoked one everywhere once the cache TTL has passed (`revoke` waits it).
 */
export class TokenStore {
  constructor(private readonly options: TokenStoreOptions) {}

  async create(command: CreateTokenCommand): Promise<CreatedToken> {
    const issued = issueToken();
    const createdAt = command.gatewayTime;
    const record: TokenRecord = {
      v: 2,
      id: issued.id,
      name: command.name,
      hash: tokenDigest(issued.id, issued.secret),
      rules: command.rules,
      createdAt,
      createdBy: command.createdBy,
      expiresAt: command.ttlSeconds === undefined ? null : createdAt + command.ttlSeconds * 1000,
      revokedAt: null,
      rateLimit: command.rateLimit ?? null,
    };
    return this.withIndex(async (index) => {
      const live = this.liveEntries(index);
      if (live.length >= MAX_LIVE_TOKENS) {
        throw new ValidationFailedError([{ field: 'name', message: `at most ${MAX_LIVE_TOKENS} tokens may be live at once; revoke some first` }], 'Too many tokens.');
      }
      const entries: TokenIndex['tokens'] = [...live, [record.id, record.name, record.createdAt, record.expiresAt]];
      return this.commit<CreatedToken>(
        [
          { name: tokenRecordName(record.id), op: 'create', value: JSON.stringify(record) },
          this.indexIntent(index, entries),
        ],
        command,
        () => ({ id: record.id, name: record.name, createdAt, expiresAt: record.expiresAt }),
        (response, applied) => ({ ...(response as unknown as CreatedToken), ...(applied !== null ? { token: issued.token } : {}) }),
      );
    });
  }

  /** The live tokens (not revoked; expired ones are listed until the index is next written). */
  async list(): Promise<TokenSummary[]> {
    const { index } = await this.readIndex();
    return (index?.tokens ?? []).map(([id, name, createdAt, expiresAt]) => ({ id, name, createdAt, expiresAt }));
  }

  async get(id: string): Promise<TokenRecord> {
    const found = await this.lookup(id);
    if (!found) throw new TokenNotFoundError(id);
    return found.record;
  }

  /**
   * A token's record by a linearizable quorum read, or null when there is none. Used by
   * every request that authenticates with the token (past the cache).
   */
  async lookup(id: string): Promise<{ record: TokenRecord; version: number } | null> {
    let read;
    try {
      read = await this.options.reader.read(tokenRecordName(id));
    } catch (error) {
      if (error instanceof SecretNotFoundError) return null;
      throw error;
    }
    const record = parseJson(read.value, isTokenRecord);
    if (!record || record.id !== id) throw new Error(`the record of token ${id} is malformed`);
    return { record, version: read.version };
  }

  /**
   * Marks the token revoked and takes it out of the index, in one transaction; answers only
   * once the cache TTL has passed since then, so that no replica still trusts it.
   */
  async revoke(id: string, command: { gatewayTime: number; idempotency?: IdempotencyRequest }): Promise<TokenRecord> {
    const revoked = await this.withIndex(async (index) => {
      const found = await this.lookup(id);
      if (!found) throw new TokenNotFoundError(id);
      if (found.record.revokedAt !== null) return found.record;
      const record: TokenRecord = { ...found.record, revokedAt: command.gatewayTime };
      const entries = this.liveEntries(index).filter(([entryId]) => entryId !== id);
      const intents: PlannedIntent[] = [{ name: tokenRecordName(id), op: 'update', expectedVersion: found.version, value: JSON.stringify(record) }];
      if (index.index) intents.push(this.indexIntent(index, entries));
      return this.commit<TokenRecord>(
        intents,
        command,
        () => ({ id, revokedAt: record.revokedAt }),
        (response) => ({ ...record, revokedAt: response.revokedAt as number }),
      );
    });
    this.options.onRevoked(id);
    await this.options.clock.sleep(this.options.cacheTtlMs + REVOKE_MARGIN_MS);
    return revoked;
  }

  private liveEntries(index: { index: TokenIndex | null }): TokenIndex['tokens'] {
    const now = this.options.clock.now();
    return (index.index?.tokens ?? []).filter(([, , , expiresAt]) => expiresAt === null || expiresAt > now);
  }

  private indexIntent(current: { index: TokenIndex | null; version: number | null }, entries: TokenIndex['tokens']): PlannedIntent {
    const value = JSON.stringify({ v: 1, tokens: entries } satisfies TokenIndex);
    return current.version === null
      ? { name: TOKEN_INDEX_NAME, op: 'create', value }
      : { name: TOKEN_INDEX_NAME, op: 'update', expectedVersion: current.version, value };
  }

  private async readIndex(): Promise<{ index: TokenIndex | null; version: number | null }> {
    try {
      const read = await this.options.reader.read(TOKEN_INDEX_NAME);
      const index = parseJson(read.value, isTokenIndex);
      if (!index) throw new Error('the token index is malformed');
      return { index, version: read.version };
    } catch (error) {
      if (error instanceof SecretNotFoundError) return { index: null, version: null };
      throw error;
    }
  }

  /** Runs `attempt` against a fresh read of the index until no other create or revoke moved it meanwhile. */
  private async withIndex<T>(attempt: (index: { index: TokenIndex | null; version: number | null }) => Promise<T>): Promise<T> {
    for (let i = 0; i < INDEX_ATTEMPTS; i++) {
      try {
        return await attempt(await this.readIndex());
      } catch (error) {
        if (!(error instanceof IndexMoved)) throw error;
        await this.options.clock.sleep(5 + Math.random() * 20 * (i + 1));
      }
    }
    throw new WriteConflictError([TOKEN_INDEX_NAME]);
  }

  /** One transaction over the planned intents: each value split, all committed or none. */
  private async commit<R>(
    planned: PlannedIntent[],
    command: { gatewayTime: number; idempotency?: IdempotencyRequest },
    response: () => Record<string, unknown>,
    finish: (response: Record<string, unknown>, applied: string[] | null) => R,
  ): Promise<R> {
    const splits: PreparedSplit[] = [];
    try {
      for (const intent of planned) splits.push(await this.options.transactions.split(intent.value));
      const intents: WriteIntent[] = planned.map((p, i) => ({ name: p.name, op: p.op, expectedVersion: p.expectedVersion, split: splits[i] }));
      return await this.options.transactions.run<R>({
        intents,
        gatewayTime: command.gatewayTime,
        idempotency: command.idempotency,
        onProblems: (problems) => problemsError(problems),
        response,
        finish,
      });
    } finally {
      for (const split of splits) split.wipe();
    }
  }
}

interface PlannedIntent {
  name: string;
  op: 'create' | 'update';
  expectedVersion?: number;
  value: string;
}

function problemsError(problems: ItemProblem[]): Error {
  // Another create or revoke changed the index (or the record) since we read it.
  if (problems.every((p) => p.kind === 'version-conflict' || p.kind === 'exists' || p.kind === 'not-found')) return new IndexMoved();
  return new Error(`unexpected token transaction problems: ${problems.map((p) => `${p.kind} ${p.name}`).join(', ')}`);
}

function parseJson<T>(text: string, check: (value: unknown) => value is T): T | null {
  try {
    const value: unknown = JSON.parse(text);
    return check(value) ? value : null;
  } catch {
    return null;
  }
}
