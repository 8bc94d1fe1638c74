import { sharedBuffersMiB } from './embedded-postgres';

describe('sharedBuffersMiB: the embedded Postgres cache', () => {
  const GiB = 1024 ** 3;

  it('is a quarter of the machine, at most 1 GiB', () => {
    expect(sharedBuffersMiB(2 * GiB)).toBe(512);
    expect(sharedBuffersMiB(4 * GiB)).toBe(1024);
    expect(sharedBuffersMiB(24 * GiB)).toBe(1024);
  });

  it("never goes below Postgres's own default of 128 MiB", () => {
    expect(sharedBuffersMiB(256 * 1024 ** 2)).toBe(128);
  });
});
