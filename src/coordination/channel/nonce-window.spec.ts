import { NonceWindow } from './nonce-window';

const STARTED = 1_700_000_000_000;
const SKEW = 30_000;
const nonce = (i: number) => i.toString(16).padStart(32, '0');

/** What the internal server does with a request's signed timestamp and nonce. */
function admit(window: NonceWindow, n: string, timestamp: number, now: number): boolean {
  return window.timestampAcceptable(timestamp, now) && window.checkAndRemember(n, timestamp, now);
}

describe('NonceWindow', () => {
  it('refuses a replayed nonce for as long as its timestamp is acceptable', () => {
    const window = new NonceWindow(STARTED, SKEW);
    const signedAt = STARTED + 1_000;
    expect(admit(window, nonce(1), signedAt, signedAt)).toBe(true);
    for (const now of [signedAt, signedAt + 1, signedAt + SKEW / 2, signedAt + SKEW]) {
      expect(window.timestampAcceptable(signedAt, now)).toBe(true);
      expect(window.checkAndRemember(nonce(1), signedAt, now)).toBe(false);
    }
  });

  it('accepts timestamps within the skew either way, and nothing beyond it', () => {
    const window = new NonceWindow(STARTED, SKEW);
    const now = STARTED + 100_000;
    expect(window.timestampAcceptable(now - SKEW, now)).toBe(true);
    expect(window.timestampAcceptable(now + SKEW, now)).toBe(true);
    expect(window.timestampAcceptable(now - SKEW - 1, now)).toBe(false);
    expect(window.timestampAcceptable(now + SKEW + 1, now)).toBe(false);
  });

  it('forgets a nonce once its timestamp is no longer acceptable, and the old request stays refused as stale', () => {
    const window = new NonceWindow(STARTED, SKEW);
    const signedAt = STARTED + 1_000;
    expect(admit(window, nonce(1), signedAt, signedAt)).toBe(true);
    expect(window.size).toBe(1);
    const later = signedAt + SKEW + 1;
    // Any authenticated request evicts what has expired.
    expect(admit(window, nonce(2), later, later)).toBe(true);
    expect(window.size).toBe(1);
    // The forgotten nonce cannot come back with its old timestamp: the timestamp is refused first.
    expect(window.timestampAcceptable(signedAt, later)).toBe(false);
    expect(admit(window, nonce(1), signedAt, later)).toBe(false);
  });

  it('refuses a request signed before this process started, even well within the skew', () => {
    const window = new NonceWindow(STARTED, SKEW);
    expect(window.timestampAcceptable(STARTED - 1, STARTED + 10)).toBe(false);
    expect(window.timestampAcceptable(STARTED - 5_000, STARTED)).toBe(false);
    expect(window.timestampAcceptable(STARTED, STARTED + 10)).toBe(true);
  });

  it('keeps memory bounded by the window under a steady stream of requests (eviction)', () => {
    const window = new NonceWindow(STARTED, 1_000);
    let peak = 0;
    let refused = 0;
    // One request per millisecond for ten windows, each signed "now".
    for (let t = 0; t < 10_000; t++) {
      const now = STARTED + t;
      if (!admit(window, nonce(t), now, now)) refused++;
      peak = Math.max(peak, window.size);
    }
    expect(refused).toBe(0);
    // Only the nonces of the last window (its timestamps still acceptable) are kept.
    expect(peak).toBeLessThanOrEqual(1_002);
    expect(window.size).toBeLessThanOrEqual(1_002);
    // The arrival log that drives eviction is compacted too, so it does not grow with traffic.
    const order = (window as unknown as { order: unknown[]; head: number }).order;
    expect(order.length).toBeLessThan(4_000);
  });

  it('stays bounded by twice the window when callers sign with timestamps anywhere in the skew', () => {
    const window = new NonceWindow(STARTED, 1_000);
    let peak = 0;
    let refused = 0;
    for (let t = 2_000; t < 12_000; t++) {
      const now = STARTED + t;
      // Alternate the extremes a caller's clock may be at.
      const signedAt = t % 2 === 0 ? now + 1_000 : now - 1_000;
      if (!admit(window, nonce(t), signedAt, now)) refused++;
      peak = Math.max(peak, window.size);
    }
    expect(refused).toBe(0);
    expect(peak).toBeLessThanOrEqual(2 * 1_000 + 2);
  });
});
