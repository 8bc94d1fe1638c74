import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer index entries per write on the shares table (docs/storage.md, "Indexes"). Every
 * statement that looks a share up by name asks for committed shares, which the unique
 * index on (name, lifetime_id, version) WHERE state = 'committed' serves; only the
 * statements that promote or drop a transaction's shares look them up by transaction, and
 * only while they are prepared. So the index on (name, state) served no statement (the
 * planner sometimes combined it into a worse plan for dropping prepared shares), and the
 * index on tx_id needs only the prepared rows. A create used to write 7 index entries in
 * this table (the insert and the promotion each touched every index), and now writes 4.
 */
export class LeanShareIndexes1764374400000 implements MigrationInterface {
  name = 'LeanShareIndexes1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX secret_version_name_idx`);
    await queryRunner.query(`DROP INDEX secret_version_tx_idx`);
    await queryRunner.query(`CREATE INDEX secret_version_prepared_tx_idx ON secret_version (tx_id) WHERE state = 'prepared'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX secret_version_prepared_tx_idx`);
    await queryRunner.query(`CREATE INDEX secret_version_tx_idx ON secret_version (tx_id)`);
    await queryRunner.query(`CREATE INDEX secret_version_name_idx ON secret_version (name, state)`);
  }
}
