import { NonceCache } from './nonce-cache';

describe('NonceCache', () => {
  it('accepts a nonce once and refuses it while it is remembered', () => {
    const cache = new NonceCache(1000);
    expect(cache.checkAndRemember('a', 0)).toBe(true);
    expect(cache.checkAndRemember('a', 10)).toBe(false);
    expect(cache.checkAndRemember('b', 10)).toBe(true);
  });

  it('remembers every nonce for at least the ttl, wherever it falls in a generation', () => {
    const ttl = 1000;
    for (const firstSeen of [0, 1, 500, 999]) {
      const cache = new NonceCache(ttl);
      cache.checkAndRemember('warm-up', 0); // starts the first generation at 0
      expect(cache.checkAndRemember('n', firstSeen)).toBe(true);
      for (let t = firstSeen; t < firstSeen + ttl; t += 50) expect({ t, fresh: cache.checkAndRemember('n', t) }).toEqual({ t, fresh: false });
      expect({ firstSeen, fresh: cache.checkAndRemember('n', firstSeen + ttl - 1) }).toEqual({ firstSeen, fresh: false });
    }
  });

  it('forgets a nonce once it is older than twice the ttl, and frees its memory', () => {
    const cache = new NonceCache(1000);
    cache.checkAndRemember('a', 0);
    cache.checkAndRemember('b', 1200);
    expect(cache.size).toBe(2);
    expect(cache.checkAndRemember('a', 1999)).toBe(false); // within 2 ttl, its generation still lives
    expect(cache.checkAndRemember('a', 2200)).toBe(true); // 'a' dropped with its generation
    expect(cache.checkAndRemember('b', 2300)).toBe(false); // 'b' is still within its ttl
    expect(cache.checkAndRemember('c', 5000)).toBe(true); // after a long idle gap both generations go
    expect(cache.size).toBe(1);
  });

  it('keeps entries when the clock goes backwards, the safe direction', () => {
    const cache = new NonceCache(1000);
    cache.checkAndRemember('a', 10_000);
    expect(cache.checkAndRemember('a', 5_000)).toBe(false);
  });

  it('never holds more than maxEntries and refuses new nonces rather than forget live ones', () => {
    const cache = new NonceCache(1000, 3);
    expect(['a', 'b', 'c'].map((nonce) => cache.checkAndRemember(nonce, 0))).toEqual([true, true, true]);
    expect(cache.checkAndRemember('d', 10)).toBe(false);
    expect(cache.size).toBe(3);
    expect(cache.checkAndRemember('a', 10)).toBe(false);
    // Capacity comes back as generations expire.
    expect(cache.checkAndRemember('d', 2500)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('defaults to a 60 s ttl and a million entries', () => {
    const cache = new NonceCache();
    expect({ ttlMs: cache.ttlMs, maxEntries: cache.maxEntries }).toEqual({ ttlMs: 60_000, maxEntries: 1_000_000 });
  });

  it('rejects a ttl or bound that is not positive', () => {
    expect(() => new NonceCache(0)).toThrow(RangeError);
    expect(() => new NonceCache(1000, 0)).toThrow(RangeError);
  });
});
