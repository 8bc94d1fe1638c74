import { randomInt, randomUUID } from 'node:crypto';

/**
 * Identifiers and non-secret randomness (backoff jitter, peer choice). Never used for key
 * material: shares and salts come from the CSPRNG directly. The simulation seeds its own.
 */
export interface Ids {
  uuid(): string;
  /** A float in [0, 1). */
  random(): number;
}

export const systemIds: Ids = {
  uuid: () => randomUUID(),
  random: () => randomInt(0, 2 ** 47) / 2 ** 47,
};

/** A full-jitter backoff delay: uniformly random in [base/2, base]. */
export function jitter(ids: Ids, baseMs: number): number {
  return Math.round(baseMs / 2 + ids.random() * (baseMs / 2));
}
