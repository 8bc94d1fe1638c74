import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A share's bytes and salt move from `secret_version` to a narrow table of their own,
 * `secret_share` (docs/storage.md). Erasing destroyed shares rewrites the table that held
 * them (VACUUM FULL), and the rewrite's time grows with the table: with the manifest and
 * three indexes, a version row is about 1 KB, a share row about 110 bytes.
 *
 * Dropping a column leaves its values in the table's pages; the ALTER ... TYPE below
 * rewrites the table (a rewrite by ALTER TABLE writes dropped columns as NULL), so that no
 * share bytes stay behind in `secret_version`'s data file.
 */
export class ShareBytesApart1764460800000 implements MigrationInterface {
  name = 'ShareBytesApart1764460800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE secret_share (
        version_id uuid  PRIMARY KEY,
        share      bytea NOT NULL,
        share_salt bytea
      )`);
    await queryRunner.query(`INSERT INTO secret_share (version_id, share, share_salt) SELECT id, share, share_salt FROM secret_version WHERE share IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE secret_version DROP CONSTRAINT secret_version_destroyed_check`);
    await queryRunner.query(`ALTER TABLE secret_version DROP COLUMN share, DROP COLUMN share_salt`);
    await queryRunner.query(`ALTER TABLE secret_version ADD CONSTRAINT secret_version_destroyed_check CHECK (state <> 'destroyed' OR share_digest IS NULL)`);
    await queryRunner.query(`ALTER TABLE secret_version ALTER COLUMN share_digest TYPE char(64) USING share_digest::text::char(64)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE secret_version ADD COLUMN share bytea, ADD COLUMN share_salt bytea`);
    await queryRunner.query(`UPDATE secret_version v SET share = b.share, share_salt = b.share_salt FROM secret_share b WHERE b.version_id = v.id`);
    await queryRunner.query(`ALTER TABLE secret_version DROP CONSTRAINT secret_version_destroyed_check`);
    await queryRunner.query(`
      ALTER TABLE secret_version ADD CONSTRAINT secret_version_destroyed_check
        CHECK (state <> 'destroyed' OR (share IS NULL AND share_digest IS NULL AND share_salt IS NULL))`);
    await queryRunner.query(`DROP TABLE secret_share`);
  }
}
