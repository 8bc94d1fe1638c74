import { RateLimitedError } from '../common/errors';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  let now = 0;
  const limiter = () => new RateLimiter({ perSecond: 2, burst: 3 }, () => now);

  beforeEach(() => {
    now = 1000;
  });

  it('lets a burst through, then refuses with the seconds until the next request', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.take('a', null);
    let error: unknown;
    try {
      l.take('a', null);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(1);
    expect(l.limited).toBe(1);
  });

  it('refills at the rate, up to the burst', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.take('a', null);
    now += 500; // one request's worth at 2/s
    l.take('a', null);
    expect(() => l.take('a', null)).toThrow(RateLimitedError);
    now += 60_000;
    for (let i = 0; i < 3; i++) l.take('a', null);
    expect(() => l.take('a', null)).toThrow(RateLimitedError);
  });

  it('keeps one bucket per key, and takes a token\'s own limit over the default', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.take('a', null);
    l.take('b', null);
    const own = { perSecond: 1, burst: 1 };
    l.take('c', own);
    try {
      l.take('c', own);
      throw new Error('not limited');
    } catch (e) {
      expect((e as RateLimitedError).retryAfterSeconds).toBe(1);
    }
  });

  it('does not limit at all with a rate of 0', () => {
    const l = new RateLimiter({ perSecond: 0, burst: 0 }, () => now);
    for (let i = 0; i < 10_000; i++) l.take('a', null);
    expect(l.size).toBe(0);
  });

  it('says how many whole seconds a slow rate needs', () => {
    const l = new RateLimiter({ perSecond: 1, burst: 1 }, () => now);
    l.take('a', { perSecond: 1, burst: 1 });
    const slow = { perSecond: 1, burst: 1 };
    l.take('z', slow);
    now += 100;
    expect(() => l.take('z', slow)).toThrow(expect.objectContaining({ retryAfterSeconds: 1 }));
  });
});
