import { Clock } from '../../../common/clock';
import { Ids } from '../../../common/ids';
import { TxHeader } from '../../../coordination/commit/participant';
import { CommitDecision, DecidedItem, IdempotencyRecord, PrepareItem, PreparePayload, ShareEnvelope, WriteOp } from '../../protocol';
import { PreparedSplit, splitForReplicas } from '../../secrets/split';

/** The replicas of the fixtures' cluster; state tests play n1. */
export const REPLICAS = ['n1', 'n2', 'n3'] as const;
export const SELF = 'n1';
export const LOCK_TTL_MS = 5_000;

/** One split of `value` over REPLICAS (k = 2), with a fresh split id. */
export function splitOf(ids: Ids, value: string, replicas: readonly string[] = REPLICAS, k = 2): Promise<PreparedSplit> {
  return splitForReplicas(value, replicas, k, ids.uuid());
}

/** A transaction header begun now on `clock`. */
export function txHeader(ids: Ids, clock: Clock, names: string[], over: Partial<TxHeader> = {}): TxHeader {
  return { txId: ids.uuid(), coordinator: 'n2', createdAt: clock.now(), names, ...over };
}

export function item(name: string, op: WriteOp, split?: PreparedSplit, replica: string = SELF): PrepareItem {
  return split ? { name, op, share: split.envelopeFor(replica) } : { name, op };
}

export function payload(items: PrepareItem[], idempotency?: { scope: string; key: string }): PreparePayload {
  return idempotency ? { items, idempotency } : { items };
}

export function decided(name: string, op: WriteOp, fields: { lifetimeId?: string; revision: number; version: number; at: number }): DecidedItem {
  return { name, op, ...fields };
}

export function decision(items: DecidedItem[], idempotency?: IdempotencyRecord): CommitDecision {
  return idempotency ? { items, idempotency } : { items };
}

/** A share envelope changed after the split: its bytes no longer match the manifest. */
export function tamperedShare(envelope: ShareEnvelope): ShareEnvelope {
  const bytes = Buffer.from(envelope.data, 'base64');
  bytes[0] ^= 0xff;
  return { ...envelope, data: bytes.toString('base64') };
}
