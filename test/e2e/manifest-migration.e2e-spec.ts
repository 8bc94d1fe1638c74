import { createHash, randomBytes } from 'node:crypto';
import { InitialSchema1764115200000 } from '../../migrations/1764115200000-InitialSchema';
import { PaxosCommitAndSalts1764201600000 } from '../../migrations/1764201600000-PaxosCommitAndSalts';
import { LeanShareIndexes1764374400000 } from '../../migrations/1764374400000-LeanShareIndexes';
import { ShareBytesApart1764460800000 } from '../../migrations/1764460800000-ShareBytesApart';
import { PackedManifests1764547200000 } from '../../migrations/1764547200000-PackedManifests';
import { poolOf } from '../../src/vault/database';
import { SplitManifest } from '../../src/vault/protocol';
import { unpackManifest } from '../../src/vault/state/manifest-codec';
import { PostgresBackend } from '../../src/vault/state/postgres-backend';
import { migrationSchema } from '../support/migration-schema';

const BEFORE = [InitialSchema1764115200000, PaxosCommitAndSalts1764201600000, LeanShareIndexes1764374400000, ShareBytesApart1764460800000];
const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Upgrading a replica whose version rows hold JSONB manifests (migration PackedManifests):
 * every manifest becomes packed bytes that unpack to exactly what was stored, one the
 * packing cannot hold stays as its JSON, reads go on, and the migration's `down` gives the
 * JSONB back.
 */
describe('migration PackedManifests on a replica with versions', () => {
  const db = migrationSchema('manifests');
  const { schema, open } = db;

  const usual: SplitManifest = { n1: { x: 17, digest: digest('1') }, n2: { x: 200, digest: digest('2') }, n3: { x: 255, digest: digest('3') } };
  // Upper-case hex cannot be packed exactly: it must survive as it is.
  const odd: SplitManifest = { n1: { x: 1, digest: digest('1').toUpperCase() } };

  const manifestsNow = async () =>
    (await db.admin.query(`SELECT name, manifest FROM "${schema}".secret_version ORDER BY name`)).rows as Array<{
      name: string;
      manifest: unknown;
    }>;

  it('packs every manifest exactly, keeps reads working, and unpacks them again on the way down', async () => {
    const before = await open(BEFORE);
    const share = randomBytes(65);
    const salt = randomBytes(16);
    try {
      const pool = poolOf(before);
      for (const [name, manifest] of [
        ['USUAL', usual],
        ['ODD', odd],
      ] as const) {
        const lifetimeId = (await pool.query(`SELECT gen_random_uuid() AS id`)).rows[0].id as string;
        await pool.query(
          `INSERT INTO secret_state (name, lifetime_id, revision, status, current_version, last_valid_from, change_seq) VALUES ($1, $2, 1, 'live', 1, now(), 1)`,
          [name, lifetimeId],
        );
        const { rows } = await pool.query(
          `INSERT INTO secret_version (name, lifetime_id, version, split_id, share_digest, manifest, valid_from, state, tx_id)
           VALUES ($1, $2, 1, gen_random_uuid(), encode(sha256($3::bytea || $4::bytea), 'hex'), $5::jsonb, now(), 'committed', gen_random_uuid()) RETURNING id`,
          [name, lifetimeId, salt, share, JSON.stringify(manifest)],
        );
        await pool.query(`INSERT INTO secret_share (version_id, share, share_salt) VALUES ($1, $2, $3)`, [rows[0].id, share, salt]);
      }
    } finally {
      await before.destroy();
    }

    const after = await open([...BEFORE, PackedManifests1764547200000]);
    try {
      const rows = await manifestsNow();
      expect(rows.map((r) => r.name)).toEqual(['ODD', 'USUAL']);
      const [oddBytes, usualBytes] = rows.map((r) => r.manifest as Buffer);
      expect(Buffer.isBuffer(usualBytes)).toBe(true);
      // Format 1, three entries of id length, id, x and the 32-byte digest.
      expect(usualBytes.length).toBe(2 + 3 * (1 + 2 + 1 + 32));
      expect(unpackManifest(usualBytes)).toEqual(usual);
      expect(oddBytes[0]).toBe(0);
      expect(unpackManifest(oddBytes)).toEqual(odd);
      // What a read sees.
      const fetched = await new PostgresBackend(poolOf(after)).fetch([{ name: 'USUAL' }, { name: 'ODD' }]);
      expect(fetched.map((f) => f.share?.manifest)).toEqual([usual, odd]);
      expect(fetched[0].share?.share.equals(share)).toBe(true);

      await after.undoLastMigration();
      const back = await manifestsNow();
      expect(back.map((r) => r.manifest)).toEqual([odd, usual]);
    } finally {
      await after.destroy();
    }
  });
});
