import { Ids } from '../ids';

/**
 * Deterministic ids and randomness for unit tests: uuids count up (and match the peer
 * schemas' uuid pattern), `random()` is a small seeded generator (mulberry32), so backoff
 * jitter and peer shuffling replay exactly.
 */
export function seededIds(seed = 1, prefix = 0): Ids {
  let state = seed >>> 0;
  let counter = 0;
  return {
    uuid: () => {
      counter++;
      const head = (prefix >>> 0).toString(16).padStart(8, '0');
      return `${head}-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
    },
    random: () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
