import { deriveShare, shareDigest } from '../../shamir';
import { fanOut, PeerTransport } from '../../coordination/peer-transport';
import { RepairAnswer, RepairRequest, VAULT_ROUTES } from '../protocol';
import { ReadyShares } from './share-gathering';
import { ReadStats } from './read-stats';

/**
 * Read repair by share derivation (DESIGN-NOTES, "Read repair without a new split"): for
 * each reachable replica that lacks its share of the latest version, compute exactly the
 * share it was given at write time, f(x_j), from k good shares of the same split, check it
 * against the manifest's digest, and send it. The split id, the version and every other
 * share stay as they are, so no replica is ever asked to overwrite anything newer, and the
 * version can never end up with shares of two splits. Each replica installs it only if no
 * write holds the name and its revision has not moved past the one read.
 */
export async function repairShares(
  transport: PeerTransport,
  stats: ReadStats,
  name: string,
  ready: ReadyShares,
  targets: string[],
  k: number,
): Promise<void> {
  const basis = ready.shares.slice(0, k).map((s) => s.bytes);
  const requests = new Map<string, RepairRequest>();
  for (const peerId of targets) {
    const expected = ready.manifest[peerId];
    stats.repair.attempted++;
    if (!expected) {
      stats.repair.failed++;
      continue;
    }
    const derived = await deriveShare(basis, expected.x);
    if (shareDigest(derived) !== expected.digest) {
      stats.repair.failed++;
      continue;
    }
    requests.set(peerId, {
      name,
      view: ready.view,
      version: ready.version,
      share: { splitId: ready.splitId, data: Buffer.from(derived).toString('base64'), manifest: ready.manifest },
      validFrom: ready.validFrom,
    });
  }
  if (requests.size === 0) return;
  const results = await fanOut<RepairAnswer>(transport, [...requests.keys()], VAULT_ROUTES.repair, (peerId) => requests.get(peerId));
  for (const result of results) {
    if (!result.ok) stats.repair.failed++;
    else if (result.value.outcome === 'repaired') stats.repair.succeeded++;
    else if (result.value.outcome === 'locked') stats.repair.skippedLocked++;
    else stats.repair.skippedNewer++;
  }
}
