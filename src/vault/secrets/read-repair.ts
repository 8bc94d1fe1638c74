import { VaultError, WriteConflictError } from '../../common/errors';
import { Clock } from '../../common/clock';
import { ReadStats } from './read-stats';
import { SecretTransactions } from './secret-transactions';
import { ReadyShares } from './share-gathering';

/** A repair is best effort: it waits this long at most for a write that holds the name. */
const REPAIR_LOCK_WAIT_MS = 200;

class MovedOn extends VaultError {
  constructor(name: string) {
    super('VERSION_CONFLICT', `'${name}' changed since it was read; nothing to repair.`);
  }
}

/**
 * Read repair by a new split of the same version (docs/model.md, "Read repair"): the value
 * just read is split again and written as the version's shares on every replica that
 * votes, by the same commit protocol as a write, under the name's lock, and only if the
 * name's revision is still the one read (so an update or delete that came in between
 * wins). The version number and its validFrom do not change; replicas that do not take
 * part drop their share of the old split when they learn the outcome, so the version
 * never holds shares of two splits for long, and never fewer than k of the new one.
 *
 * Why a new split, not the lost share derived from the old one: every share's digest is
 * salted with a salt only its holder keeps (docs/security.md), so a derived share could
 * not be checked against the manifest by anyone but a holder that still has its salt,
 * which a replica that lost its share does not.
 */
export async function resplitVersion(
  transactions: SecretTransactions,
  stats: ReadStats,
  clock: Clock,
  name: string,
  ready: ReadyShares,
  value: string,
): Promise<void> {
  stats.repair.attempted++;
  const view = ready.view;
  const split = await transactions.split(value);
  try {
    await transactions.run<void>({
      intents: [
        {
          name,
          op: 'resplit',
          split,
          expected: { revision: view.revision, lifetimeId: view.lifetimeId!, version: ready.version, validFrom: ready.validFrom },
        },
      ],
      gatewayTime: clock.now(),
      giveUpAt: clock.now() + REPAIR_LOCK_WAIT_MS,
      onProblems: () => new MovedOn(name),
      response: () => ({}),
      finish: () => undefined,
    });
    stats.repair.succeeded++;
  } catch (error) {
    if (error instanceof MovedOn) stats.repair.skippedNewer++;
    else if (error instanceof WriteConflictError) stats.repair.skippedLocked++;
    else stats.repair.failed++;
  } finally {
    split.wipe();
  }
}
