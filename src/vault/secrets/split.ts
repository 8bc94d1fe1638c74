import { OverloadedError } from '../../common/errors';
import { newSalt, shareDigest, shareX, splitSecret, SplitQueueFullError } from '../../shamir';
import { ShareEnvelope, SplitManifest } from '../protocol';

/** One split of a value, ready to send: each replica gets its own share and salt only. */
export interface PreparedSplit {
  splitId: string;
  manifest: SplitManifest;
  envelopeFor(replicaId: string): ShareEnvelope;
  /** Overwrites the shares and salts held here, once they are sent (docs/storage.md). */
  wipe(): void;
}

/**
 * Splits a value into one share per replica. The manifest records which x-coordinate and
 * salted digest went to which replica: it reveals nothing about the value, and lets a
 * reader skip a corrupt or foreign share. Each replica's salt travels only with its share.
 */
export async function splitForReplicas(value: string, replicaIds: readonly string[], k: number, splitId: string): Promise<PreparedSplit> {
  const plain = new TextEncoder().encode(value);
  let shares: Uint8Array[];
  try {
    shares = await splitSecret(plain, replicaIds.length, k);
  } catch (error) {
    if (error instanceof SplitQueueFullError) throw new OverloadedError('large values waiting to be split');
    throw error;
  } finally {
    plain.fill(0);
  }
  const salts = replicaIds.map(() => newSalt());
  const manifest: SplitManifest = {};
  const index = new Map<string, number>();
  replicaIds.forEach((id, i) => {
    manifest[id] = { x: shareX(shares[i]), digest: shareDigest(shares[i], salts[i]) };
    index.set(id, i);
  });
  return {
    splitId,
    manifest,
    envelopeFor(replicaId: string): ShareEnvelope {
      const i = index.get(replicaId);
      if (i === undefined) throw new Error(`no share for replica ${replicaId}`);
      return { splitId, data: Buffer.from(shares[i]).toString('base64'), salt: Buffer.from(salts[i]).toString('base64'), manifest };
    },
    wipe(): void {
      for (const share of shares) share.fill(0);
      for (const salt of salts) salt.fill(0);
    },
  };
}
