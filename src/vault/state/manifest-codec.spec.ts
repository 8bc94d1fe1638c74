import { createHash } from 'node:crypto';
import { SplitManifest } from '../protocol';
import { packManifest, unpackManifest } from './manifest-codec';

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const manifestOf = (ids: string[]): SplitManifest => Object.fromEntries(ids.map((id, i) => [id, { x: i + 1, digest: digest(id) }]));

describe('the stored manifest', () => {
  it('packs a manifest of five replicas into well under half of its JSON, and unpacks it exactly', () => {
    const manifest = manifestOf(['vault-0', 'vault-1', 'vault-2', 'vault-3', 'vault-4']);
    const packed = packManifest(manifest);
    expect(packed[0]).toBe(1);
    expect(packed.length).toBe(2 + 5 * (1 + 7 + 1 + 32));
    expect(packed.length).toBeLessThan(JSON.stringify(manifest).length / 2);
    expect(unpackManifest(packed)).toEqual(manifest);
  });

  it('keeps x from 0 to 255, ids in any script up to 255 bytes, and an empty manifest', () => {
    const manifest: SplitManifest = { 'ñode-ü': { x: 0, digest: digest('a') }, ['r'.repeat(255)]: { x: 255, digest: digest('b') } };
    expect(unpackManifest(packManifest(manifest))).toEqual(manifest);
    expect(unpackManifest(packManifest({}))).toEqual({});
  });

  it('keeps a manifest it cannot pack exactly as JSON, unchanged', () => {
    const odd: SplitManifest[] = [
      { n1: { x: 1, digest: digest('a').toUpperCase() } },
      { n1: { x: 1, digest: 'abc' } },
      { n1: { x: 256, digest: digest('a') } },
      { n1: { x: 1.5, digest: digest('a') } },
      { ['r'.repeat(256)]: { x: 1, digest: digest('a') } },
      { n1: { x: 1, digest: digest('a'), extra: true } as unknown as { x: number; digest: string } },
    ];
    for (const manifest of odd) {
      const packed = packManifest(manifest);
      expect(packed[0]).toBe(0);
      expect(unpackManifest(packed)).toEqual(manifest);
    }
  });

  it('refuses bytes that are not a manifest it wrote', () => {
    const packed = packManifest(manifestOf(['n1', 'n2']));
    expect(() => unpackManifest(Buffer.from([7]))).toThrow('unknown manifest format');
    expect(() => unpackManifest(packed.subarray(0, packed.length - 1))).toThrow();
    expect(() => unpackManifest(Buffer.concat([packed, Buffer.from([0])]))).toThrow('longer');
  });
});
