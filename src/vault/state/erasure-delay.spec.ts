import { ERASURE_DELAY_MS, erasureDelayMs } from './postgres-backend';

describe('erasureDelayMs: when the shares table is rewritten next', () => {
  it('waits the usual delay after a fast rewrite, or when there was none', () => {
    expect(erasureDelayMs(0, Number.POSITIVE_INFINITY)).toBe(ERASURE_DELAY_MS);
    expect(erasureDelayMs(40, 0)).toBe(ERASURE_DELAY_MS);
  });

  it('after a slow rewrite, waits nine times as long as it took, so the table is held at most a tenth of the time', () => {
    expect(erasureDelayMs(600, 0)).toBe(5400);
    expect(erasureDelayMs(2000, 0)).toBe(18_000);
    const took = 1500;
    const pause = erasureDelayMs(took, 0);
    expect(took / (took + pause)).toBeLessThanOrEqual(0.1);
  });

  it('counts the time already passed since the last rewrite ended', () => {
    expect(erasureDelayMs(2000, 10_000)).toBe(8000);
    expect(erasureDelayMs(2000, 17_000)).toBe(ERASURE_DELAY_MS);
  });
});
