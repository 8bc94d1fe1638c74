import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InitialSchema1764115200000 } from '../../migrations/1764115200000-InitialSchema';
import { PaxosCommitAndSalts1764201600000 } from '../../migrations/1764201600000-PaxosCommitAndSalts';
import { LeanShareIndexes1764374400000 } from '../../migrations/1764374400000-LeanShareIndexes';
import { ShareBytesApart1764460800000 } from '../../migrations/1764460800000-ShareBytesApart';
import { PackedManifests1764547200000 } from '../../migrations/1764547200000-PackedManifests';
import { poolOf } from '../../src/vault/database';
import { PostgresBackend } from '../../src/vault/state/postgres-backend';
import { migrationSchema } from '../support/migration-schema';

/**
 * Upgrading a replica whose shares table still holds share bytes (migration
 * ShareBytesApart): the bytes move to `secret_share`, reads find them there, and none are
 * left in the old table's data file, where a dropped column would otherwise keep them.
 */
describe('migration ShareBytesApart on a replica with shares', () => {
  const db = migrationSchema('upgrade');
  const { schema, open } = db;

  const dataFileOf = async (table: string) => {
    await db.admin.query('CHECKPOINT');
    const { rows } = await db.admin.query(
      `SELECT current_setting('data_directory') AS dir, pg_relation_filepath(format('%I.%I', $1::text, $2::text)::regclass) AS file`,
      [schema, table],
    );
    return readFile(join(rows[0].dir, rows[0].file));
  };

  it('moves every share to secret_share, reads it from there, and leaves none of its bytes in secret_version', async () => {
    const before = await open([InitialSchema1764115200000, PaxosCommitAndSalts1764201600000, LeanShareIndexes1764374400000]);
    const share = randomBytes(49);
    const salt = randomBytes(16);
    const lifetimeId = '7d6f0f5e-8f5c-4a4e-9b1e-2f8f3c7a9d10';
    try {
      const pool = poolOf(before);
      await pool.query(
        `INSERT INTO secret_state (name, lifetime_id, revision, status, current_version, last_valid_from, change_seq) VALUES ('OLD', $1, 1, 'live', 1, now(), 1)`,
        [lifetimeId],
      );
      await pool.query(
        `INSERT INTO secret_version (name, lifetime_id, version, split_id, share, share_salt, share_digest, manifest, valid_from, state, tx_id)
         VALUES ('OLD', $1, 1, gen_random_uuid(), $2::bytea, $3::bytea, encode(sha256($3::bytea || $2::bytea), 'hex'), '{}', now(), 'committed', gen_random_uuid())`,
        [lifetimeId, share, salt],
      );
      // The search below can find the bytes where they are.
      expect((await dataFileOf('secret_version')).includes(share)).toBe(true);
    } finally {
      await before.destroy();
    }

    // Through the later migrations too: today's backend reads the manifest as packed bytes.
    const after = await open([InitialSchema1764115200000, PaxosCommitAndSalts1764201600000, LeanShareIndexes1764374400000, ShareBytesApart1764460800000, PackedManifests1764547200000]);
    try {
      const [fetched] = await new PostgresBackend(poolOf(after)).fetch([{ name: 'OLD' }]);
      expect(fetched.share?.share.equals(share)).toBe(true);
      expect(fetched.share?.salt?.equals(salt)).toBe(true);
      expect((await dataFileOf('secret_share')).includes(share)).toBe(true);
      expect((await dataFileOf('secret_version')).includes(share)).toBe(false);
    } finally {
      await after.destroy();
    }
  });
});
