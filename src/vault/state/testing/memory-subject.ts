import { Clock } from '../../../common/clock';
import { Ids } from '../../../common/ids';
import { MemoryBackend } from '../memory-backend';
import { StateStore } from '../replica-state';
import { ReplicaStateSubject, ShareRowView } from './replica-state.contract';
import { SELF } from './fixtures';

/** Share rows of a MemoryBackend in the contract's backend-neutral shape. */
export function memoryShareRows(backend: MemoryBackend): ShareRowView[] {
  return backend.shareRows().map((r) => ({
    name: r.name,
    lifetimeId: r.lifetimeId,
    version: r.version,
    splitId: r.splitId,
    state: r.state,
    share: r.share ? Buffer.from(r.share).toString('base64') : null,
    salt: r.salt ? Buffer.from(r.salt).toString('base64') : null,
    validFrom: r.validFrom,
    validTo: r.validTo,
    txId: r.txId,
  }));
}

/** A started StateStore over a new MemoryBackend, as the contract wants it. */
export async function memorySubject(clock: Clock, ids: Ids, backend = new MemoryBackend()): Promise<ReplicaStateSubject> {
  const open = async () => {
    const store = new StateStore(backend, SELF, clock, ids);
    await store.start();
    return store;
  };
  return { state: await open(), shareRows: async () => memoryShareRows(backend), reopen: open };
}
