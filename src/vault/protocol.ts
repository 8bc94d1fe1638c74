import { SchemaObject } from 'ajv';
import { SECRET_NAME_PATTERN } from '../common/names';
import { compileSchema, S, Validator } from '../common/schema';
import { NODE_ID_PATTERN } from '../config';

/**
 * The vault's messages between replicas: carried by coordination as opaque payloads (the
 * tx/* routes) or sent directly (secrets/*, names/*). Each has a compiled schema, and a
 * replica checks what its peers send, and what they answer, as strictly as client input.
 * No message carries a secret value: only one replica's share and salt, digests and
 * metadata.
 */

/** How many names one transaction may touch (a `.env` file's entries, see docs/env.md). */
export const MAX_ITEMS_PER_TRANSACTION = 1000;
/** A share of the largest value (64 KiB + 4-byte prefix + x byte), base64. */
const MAX_SHARE_BASE64 = Math.ceil((65536 + 4 + 1) / 3) * 4;
const MAX_SALT_BASE64 = 64;

export type NameStatus = 'absent' | 'live' | 'deleted';

/** This replica, its peers (itself included), the cluster's shape and timing, as configured. */
export interface ClusterSettings {
  selfId: string;
  peerIds: readonly string[];
  n: number;
  k: number;
  m: number;
  b: number;
  peerTimeoutMs: number;
  lockTtlMs: number;
}

/** One replica's committed state of a name. Highest revision wins across replicas. */
export interface NameView {
  lifetimeId: string | null;
  revision: number;
  status: NameStatus;
  currentVersion: number;
  lastValidFrom: number | null;
  deletedAt: number | null;
}

export const ABSENT_VIEW: NameView = {
  lifetimeId: null,
  revision: 0,
  status: 'absent',
  currentVersion: 0,
  lastValidFrom: null,
  deletedAt: null,
};

/**
 * Where each share of one split went: x-coordinates and salted digests, never share bytes
 * or salts. A digest is SHA-256(salt || share) with a salt that only the share's holder
 * keeps, so no replica's copy of the manifest lets anyone test a guessed value against
 * another replica's share (docs/security.md).
 */
export type SplitManifest = Record<string, { x: number; digest: string }>;

/** One replica's share of a split, as the coordinator sends it: only to that replica. */
export interface ShareEnvelope {
  splitId: string;
  /** This replica's share, base64. */
  data: string;
  /** The salt of its digest, base64; kept only beside the share. */
  salt: string;
  manifest: SplitManifest;
}

/**
 * create / update / delete change a name; `check` only asserts it is live and holds its
 * lock (`.env` references); `resplit` replaces the shares of the current version with a
 * new split without changing the version (read repair, docs/model.md).
 */
export type WriteOp = 'create' | 'update' | 'delete' | 'check' | 'resplit';
export const OPS_WITH_SHARE: ReadonlySet<WriteOp> = new Set(['create', 'update', 'resplit']);

export interface PrepareItem {
  name: string;
  op: WriteOp;
  share?: ShareEnvelope;
}

export interface IdempotencyRef {
  scope: string;
  key: string;
}

export interface PreparePayload {
  items: PrepareItem[];
  idempotency?: IdempotencyRef;
}

/** A recorded outcome for an idempotency key: the request's keyed hash and the answer. */
export interface IdempotencyOutcome {
  requestHash: string;
  response: Record<string, unknown>;
}

/** What a participant's vote tells the coordinator, yes or no. */
export interface PrepareInfo {
  views: Record<string, NameView>;
  /** Names another unfinished transaction holds on this replica. */
  locked: string[];
  idempotency?: IdempotencyOutcome;
}

export interface DecidedItem {
  name: string;
  op: WriteOp;
  lifetimeId?: string;
  revision: number;
  version: number;
  /** validFrom of the new version, or the deletion time for a delete. ms since epoch. */
  at: number;
}

export interface IdempotencyRecord extends IdempotencyRef {
  requestHash: string;
  response: Record<string, unknown>;
}

export interface CommitDecision {
  items: DecidedItem[];
  idempotency?: IdempotencyRecord;
}

/** A lock this replica holds on a name for an unfinished transaction. */
export interface LockInfo {
  txId: string;
  coordinator: string;
  /** When the transaction began, on its coordinator's clock. */
  createdAt: number;
  /** Until its lease runs out (then anyone may settle it); relative, so clocks need not agree. */
  expiresInMs: number;
}

export interface FetchShareRequest {
  name: string;
  /** Omitted: this replica's latest. */
  version?: number;
}

export interface StoredShare {
  lifetimeId: string;
  version: number;
  splitId: string;
  data: string;
  /** Null for a share written before salted digests (its digest is then SHA-256 of the share). */
  salt: string | null;
  manifest: SplitManifest;
  validFrom: number;
  validTo: number | null;
}

export interface FetchShareAnswer {
  view: NameView;
  lock: LockInfo | null;
  share: StoredShare | null;
  /** The next version this replica holds after the one asked for (for validTo). */
  next: { version: number; validFrom: number } | null;
  /** This replica lost its state and is rebuilding it: its view must not count. */
  catchingUp: boolean;
}

export interface HistoryRequest {
  name: string;
}

export interface HistoryAnswer {
  view: NameView;
  lock: LockInfo | null;
  versions: Array<{ version: number; validFrom: number }>;
  catchingUp: boolean;
}

export interface NameSync {
  name: string;
  view: NameView;
}

export interface SyncRequest {
  names: NameSync[];
}

export interface ChangesRequest {
  afterSeq: number;
  limit: number;
}

export interface ChangesAnswer {
  changes: Array<{ name: string; view: NameView; seq: number }>;
  catchingUp: boolean;
}

/** A full page of this replica's state, for a replica rebuilding its own (docs/model.md, "Lost state"). */
export interface SnapshotRequest {
  afterName: string;
  limit: number;
}

export interface SnapshotAnswer {
  names: Array<{ name: string; view: NameView; lock: { txId: string; coordinator: string; createdAt: number } | null }>;
  catchingUp: boolean;
  done: boolean;
}

export const VAULT_ROUTES = {
  fetch: 'secrets/fetch',
  history: 'secrets/history',
  sync: 'names/sync',
  changes: 'names/changes',
  snapshot: 'names/snapshot',
} as const;

// ---- schemas --------------------------------------------------------------------------

const name = S.pattern(SECRET_NAME_PATTERN);
const nodeId = S.pattern(NODE_ID_PATTERN);
const ms = S.int(0);
const op = S.enum('create', 'update', 'delete', 'check', 'resplit');

const view: SchemaObject = S.object({
  lifetimeId: S.nullable(S.uuid),
  revision: S.int(0),
  status: S.enum('absent', 'live', 'deleted'),
  currentVersion: S.int(0, 2_147_483_647),
  lastValidFrom: S.nullable(ms),
  deletedAt: S.nullable(ms),
});

const manifest: SchemaObject = {
  type: 'object',
  propertyNames: nodeId,
  additionalProperties: S.object({ x: S.int(1, 255), digest: { type: 'string', pattern: '^[0-9a-f]{64}$' } }),
  minProperties: 1,
  maxProperties: 255,
};

const shareEnvelope = S.object({
  splitId: S.uuid,
  data: S.base64(MAX_SHARE_BASE64),
  salt: S.base64(MAX_SALT_BASE64),
  manifest,
});

const idempotencyRef = S.object({ scope: S.string(300, 1), key: S.string(255, 1) });
const idempotencyOutcome = S.object({ requestHash: { type: 'string', pattern: '^[0-9a-f]{64}$' }, response: S.anyObject });

const lock = S.nullable(S.object({ txId: S.uuid, coordinator: nodeId, createdAt: ms, expiresInMs: { type: 'integer' } }));

const decidedItem = S.object(
  { name, op, lifetimeId: S.uuid, revision: S.int(0), version: S.int(0, 2_147_483_647), at: ms },
  ['name', 'op', 'revision', 'version', 'at'],
);

export const schemas = {
  preparePayload: S.object(
    {
      items: S.array(S.object({ name, op, share: shareEnvelope }, ['name', 'op']), MAX_ITEMS_PER_TRANSACTION, 1),
      idempotency: idempotencyRef,
    },
    ['items'],
  ),
  prepareInfo: S.object(
    { views: { type: 'object', additionalProperties: view }, locked: S.array(name, MAX_ITEMS_PER_TRANSACTION), idempotency: idempotencyOutcome },
    ['views', 'locked'],
  ),
  commitDecision: S.object(
    {
      items: S.array(decidedItem, MAX_ITEMS_PER_TRANSACTION, 1),
      idempotency: S.object({ scope: S.string(300, 1), key: S.string(255, 1), requestHash: { type: 'string', pattern: '^[0-9a-f]{64}$' }, response: S.anyObject }),
    },
    ['items'],
  ),
  fetchRequest: S.object({ name, version: S.int(1, 2_147_483_647) }, ['name']),
  fetchAnswer: S.object({
    view,
    lock,
    share: S.nullable(
      S.object({
        lifetimeId: S.uuid,
        version: S.int(1, 2_147_483_647),
        splitId: S.uuid,
        data: S.base64(MAX_SHARE_BASE64),
        salt: S.nullable(S.base64(MAX_SALT_BASE64)),
        manifest,
        validFrom: ms,
        validTo: S.nullable(ms),
      }),
    ),
    next: S.nullable(S.object({ version: S.int(1), validFrom: ms })),
    catchingUp: { type: 'boolean' },
  }),
  historyRequest: S.object({ name }),
  historyAnswer: S.object({
    view,
    lock,
    versions: S.array(S.object({ version: S.int(1), validFrom: ms }), 1_000_000),
    catchingUp: { type: 'boolean' },
  }),
  syncRequest: S.object({ names: S.array(S.object({ name, view }), MAX_ITEMS_PER_TRANSACTION) }),
  syncAnswer: S.object({ applied: S.int(0) }),
  changesRequest: S.object({ afterSeq: S.int(0), limit: S.int(1, 1000) }),
  changesAnswer: S.object({
    changes: S.array(S.object({ name, view, seq: S.int(0) }), 1000),
    catchingUp: { type: 'boolean' },
  }),
  snapshotRequest: S.object({ afterName: S.string(128), limit: S.int(1, 1000) }),
  snapshotAnswer: S.object({
    names: S.array(
      S.object({ name, view, lock: S.nullable(S.object({ txId: S.uuid, coordinator: nodeId, createdAt: ms })) }),
      1000,
    ),
    catchingUp: { type: 'boolean' },
    done: { type: 'boolean' },
  }),
};

export const validators = {
  preparePayload: compileSchema<PreparePayload>(schemas.preparePayload),
  prepareInfo: compileSchema<PrepareInfo>(schemas.prepareInfo),
  commitDecision: compileSchema<CommitDecision>(schemas.commitDecision),
} satisfies Record<string, Validator<unknown>>;
