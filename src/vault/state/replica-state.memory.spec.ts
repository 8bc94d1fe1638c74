import { replicaStateContract } from './testing/replica-state.contract';
import { memorySubject } from './testing/memory-subject';

describe('ReplicaState contract: StateStore over MemoryBackend', () => {
  replicaStateContract((clock, ids) => memorySubject(clock, ids));
});
