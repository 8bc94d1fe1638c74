import { ERASURE_DELAY_MS, ERASURE_MIN_GAP_MS, erasureDelayMs } from './postgres-backend';

describe('erasureDelayMs: when the shares table is rewritten next', () => {
  it('waits the short delay after a quiet spell: a single delete is erased within seconds', () => {
    expect(erasureDelayMs(0, Number.POSITIVE_INFINITY)).toBe(ERASURE_DELAY_MS);
    expect(erasureDelayMs(40, 60_000)).toBe(ERASURE_DELAY_MS);
  });

  it('while destructions keep coming, starts rewrites at least the minimum gap apart', () => {
    expect(erasureDelayMs(40, 0)).toBe(ERASURE_MIN_GAP_MS);
    expect(erasureDelayMs(40, 3000)).toBe(ERASURE_MIN_GAP_MS - 3000);
    expect(erasureDelayMs(40, ERASURE_MIN_GAP_MS - 500)).toBe(ERASURE_DELAY_MS);
  });

  it('after a slow rewrite, waits nine times as long as it took, so the table is held at most a tenth of the time', () => {
    expect(erasureDelayMs(2000, 0)).toBe(18_000);
    expect(erasureDelayMs(2000, 10_000)).toBe(8000);
    const took = 3000;
    expect(took / (took + erasureDelayMs(took, 0))).toBeLessThanOrEqual(0.1);
  });
});
