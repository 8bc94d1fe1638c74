import { randomUUID } from 'node:crypto';
import { shareDigest, shareX, splitSecret } from '../../shamir';
import { SplitManifest } from '../protocol';

/** One split of a value, ready to send: each replica's share (base64) and the manifest. */
export interface PreparedSplit {
  splitId: string;
  shares: Map<string, string>;
  manifest: SplitManifest;
}

/**
 * Splits a value into one share per replica. The manifest records which x-coordinate and
 * digest went to which replica: it reveals nothing about the value, lets a reader reject a
 * corrupt or foreign share, and lets read repair re-derive exactly the share a replica lost.
 */
export async function splitForReplicas(value: string, replicaIds: readonly string[], k: number): Promise<PreparedSplit> {
  const shares = await splitSecret(new TextEncoder().encode(value), replicaIds.length, k);
  const splitId = randomUUID();
  const manifest: SplitManifest = {};
  const byReplica = new Map<string, string>();
  replicaIds.forEach((id, i) => {
    manifest[id] = { x: shareX(shares[i]), digest: shareDigest(shares[i]) };
    byReplica.set(id, Buffer.from(shares[i]).toString('base64'));
  });
  return { splitId, shares: byReplica, manifest };
}
