import { SplitManifest } from '../protocol';

/**
 * How `secret_version.manifest` stores a split's manifest (docs/storage.md): packed bytes,
 * about 190 bytes for n = 5 where JSONB took about 500, on every version row of every
 * replica.
 *
 * Format 1: `[1][entries]`, then per replica `[id length][id, UTF-8][x][32-byte digest]`.
 * A manifest that does not fit it exactly (a digest that is not 64 lowercase hex digits,
 * an x outside 0-255, an id over 255 bytes, more than 255 entries) is kept as format 0:
 * `[0]` and its JSON text. Either way, unpacking gives back the manifest that was packed.
 */
const JSON_FORMAT = 0;
const PACKED_FORMAT = 1;
const DIGEST_HEX = /^[0-9a-f]{64}$/;

export function packManifest(manifest: SplitManifest): Buffer {
  const entries = Object.entries(manifest);
  const ids = entries.map(([id]) => Buffer.from(id, 'utf8'));
  const packable =
    entries.length <= 255 &&
    entries.every(([, entry], i) => ids[i].length <= 255 && Number.isInteger(entry.x) && entry.x >= 0 && entry.x <= 255 && DIGEST_HEX.test(entry.digest) && Object.keys(entry).length === 2);
  if (!packable) return Buffer.concat([Buffer.from([JSON_FORMAT]), Buffer.from(JSON.stringify(manifest), 'utf8')]);
  const parts: Buffer[] = [Buffer.from([PACKED_FORMAT, entries.length])];
  entries.forEach(([, entry], i) => {
    parts.push(Buffer.from([ids[i].length]), ids[i], Buffer.from([entry.x]), Buffer.from(entry.digest, 'hex'));
  });
  return Buffer.concat(parts);
}

export function unpackManifest(bytes: Buffer): SplitManifest {
  if (bytes[0] === JSON_FORMAT) return JSON.parse(bytes.subarray(1).toString('utf8')) as SplitManifest;
  if (bytes[0] !== PACKED_FORMAT) throw new Error(`unknown manifest format ${bytes[0]}`);
  const manifest: SplitManifest = {};
  let at = 2;
  for (let entry = 0; entry < bytes[1]; entry++) {
    const idLength = bytes[at];
    const id = bytes.subarray(at + 1, at + 1 + idLength).toString('utf8');
    at += 1 + idLength;
    const x = bytes[at];
    const digest = bytes.subarray(at + 1, at + 33).toString('hex');
    if (digest.length !== 64) throw new Error('manifest cut short');
    at += 33;
    manifest[id] = { x, digest };
  }
  if (at !== bytes.length) throw new Error('manifest longer than its entries');
  return manifest;
}
