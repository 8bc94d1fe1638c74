import { Ballot, Outcome } from '../../coordination/commit/ballot';
import { CommitDecision, IdempotencyRef, NameView, SplitManifest } from '../protocol';

/**
 * The records of one replica's state and the storage backend they live in. The rules that
 * change them live once, in replica-machine.ts; a backend only loads and stores rows, so
 * the Postgres and the in-memory backends cannot disagree on a rule (docs/storage.md).
 */

/** One name's committed state here, and the transaction holding its lock (if any). */
export interface NameRow extends NameView {
  name: string;
  lockTx: string | null;
  /** Set from this replica's change counter on every change: peers sweep past a cursor. */
  changeSeq: number;
}

/** What this replica knows of one transaction: its vote, its acceptor state, the outcome. */
export interface TxRow {
  txId: string;
  coordinator: string;
  createdAt: number;
  names: string[];
  /** Names it stored a prepared share for. */
  shareNames: string[];
  /** 'yes' once it voted yes (and holds the locks); null when it never voted. */
  vote: 'yes' | null;
  /** When an unfinished transaction holding locks here may be settled by anyone (local clock). */
  leaseExpiresAt: number | null;
  promised: Ballot | null;
  accepted: { ballot: Ballot; value: Outcome } | null;
  /** The commit decision, once a commit value is known here. */
  decision: CommitDecision | null;
  outcome: Outcome | null;
  decidedAt: number | null;
}

export interface IdempotencyRow {
  scope: string;
  key: string;
  requestHash: string;
  response: Record<string, unknown>;
  txId: string;
  createdAt: number;
}

export interface ShareInsert {
  name: string;
  lifetimeId: string | null;
  version: number | null;
  splitId: string;
  share: Buffer;
  salt: Buffer;
  manifest: SplitManifest;
  validFrom: number | null;
  state: 'prepared' | 'committed';
  txId: string;
}

/**
 * Changes to share rows, applied in this order within a wave (each wave touches a name
 * through one command only, so no two operations of a wave meet on a row):
 * destroy, destroyVersion, insert, promote, promoteHistory, close, dropPrepared.
 */
export type ShareOp =
  /** Committed shares of the name are destroyed, except those of `keepLifetime`. */
  | { kind: 'destroy'; name: string; keepLifetime: string | null }
  | { kind: 'destroyVersion'; name: string; lifetimeId: string; version: number }
  | { kind: 'insert'; row: ShareInsert }
  /** The transaction's prepared share becomes the newest version (validTo null). */
  | { kind: 'promote'; txId: string; name: string; lifetimeId: string; version: number; validFrom: number }
  /** The same, as an older version: only if that version has no committed share yet; validTo from the next one. */
  | { kind: 'promoteHistory'; txId: string; name: string; lifetimeId: string; version: number; validFrom: number }
  | { kind: 'close'; name: string; lifetimeId: string; version: number; validTo: number }
  | { kind: 'dropPrepared'; txId: string };

export const SHARE_OP_ORDER: ReadonlyArray<ShareOp['kind']> = [
  'destroy',
  'destroyVersion',
  'insert',
  'promote',
  'promoteHistory',
  'close',
  'dropPrepared',
];

/** Who this replica is since its state began; see docs/model.md, "Lost state". */
export interface ReplicaMeta {
  incarnationId: string;
  /** When this state began (ms); transactions begun before it are unknown here for a reason. */
  createdAt: number;
  /** False while it rebuilds its state from peers after losing it. */
  caughtUp: boolean;
}

export interface LoadKeys {
  names: string[];
  txIds: string[];
  idempotency: IdempotencyRef[];
}

export interface Loaded {
  /** Every name looked up: those asked for and those the loaded transactions touch. */
  lookedUp: string[];
  /** The rows of those that exist. */
  names: NameRow[];
  txs: TxRow[];
  idempotency: IdempotencyRow[];
}

export interface Writes {
  names: NameRow[];
  txs: TxRow[];
  /** Transactions forgotten (abandoned). */
  forgetTxs: string[];
  idempotency: IdempotencyRow[];
  shareWaves: ShareOp[][];
  meta: ReplicaMeta | null;
}

export interface StoredShareRow {
  lifetimeId: string;
  version: number;
  splitId: string;
  share: Buffer;
  salt: Buffer | null;
  manifest: SplitManifest;
  validFrom: number;
  validTo: number | null;
}

/** The lock on a name and what this replica knows of its transaction. */
export interface LockRow {
  txId: string;
  coordinator: string;
  createdAt: number;
  leaseExpiresAt: number | null;
}

export interface FetchRow {
  row: NameRow | null;
  lock: LockRow | null;
  share: StoredShareRow | null;
  next: { version: number; validFrom: number } | null;
}

export interface HistoryRow {
  row: NameRow | null;
  lock: LockRow | null;
  versions: Array<{ version: number; validFrom: number }>;
}

/**
 * Where a replica's rows live. `write` is atomic. Exactly one writer per replica calls
 * `load`/`write` (the group commit in replica-state.ts), so a load never races a write of
 * the same replica; reads may run at any time and see whole writes only.
 */
export interface StateBackend {
  /** Reads (or creates, from `fresh()`) the replica's meta record, and its highest change number. */
  init(fresh: (hasData: boolean) => ReplicaMeta): Promise<{ meta: ReplicaMeta; maxChangeSeq: number }>;
  /** The rows of `keys`, and the name rows of every name a loaded transaction touches. */
  load(keys: LoadKeys): Promise<Loaded>;
  write(writes: Writes): Promise<void>;
  fetch(requests: Array<{ name: string; version?: number }>): Promise<FetchRow[]>;
  history(name: string): Promise<HistoryRow>;
  changes(afterSeq: number, limit: number): Promise<NameRow[]>;
  snapshot(afterName: string, limit: number): Promise<Array<{ row: NameRow; lock: LockRow | null }>>;
  revisions(names: string[]): Promise<Map<string, number>>;
  /** Unfinished transactions holding locks whose lease ended before `now`. */
  inDoubt(now: number, limit: number): Promise<TxRow[]>;
  /** Forgets decided transactions decided before `before`, and promise-only ones begun before it. */
  purgeTransactions(before: number): Promise<number>;
  purgeIdempotency(before: number): Promise<number>;
  close(): Promise<void>;
}

export function viewOf(row: NameRow | null | undefined): NameView {
  if (!row) return { lifetimeId: null, revision: 0, status: 'absent', currentVersion: 0, lastValidFrom: null, deletedAt: null };
  return {
    lifetimeId: row.lifetimeId,
    revision: row.revision,
    status: row.status,
    currentVersion: row.currentVersion,
    lastValidFrom: row.lastValidFrom,
    deletedAt: row.deletedAt,
  };
}

export function absentRow(name: string): NameRow {
  return { name, lifetimeId: null, revision: 0, status: 'absent', currentVersion: 0, lastValidFrom: null, deletedAt: null, lockTx: null, changeSeq: 0 };
}

export function idempotencyKey(ref: IdempotencyRef): string {
  return `${ref.scope}\n${ref.key}`;
}
