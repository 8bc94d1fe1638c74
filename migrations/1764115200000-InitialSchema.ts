import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replica's own tables (docs/storage.md). Table names are unqualified: each replica's
 * connection sets search_path to its own schema (VAULT_DB_SCHEMA).
 */
export class InitialSchema1764115200000 implements MigrationInterface {
  name = 'InitialSchema1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE secret_state_change_seq`);
    await queryRunner.query(`
      CREATE TABLE secret_state (
        name             varchar(128) PRIMARY KEY,
        lifetime_id      uuid,
        revision         bigint       NOT NULL DEFAULT 0,
        status           varchar(16)  NOT NULL DEFAULT 'absent' CHECK (status IN ('absent', 'live', 'deleted')),
        current_version  integer      NOT NULL DEFAULT 0,
        last_valid_from  timestamptz(3),
        deleted_at       timestamptz(3),
        lock_tx          uuid,
        lock_coordinator varchar(63),
        lock_expires_at  timestamptz(3),
        change_seq       bigint       NOT NULL DEFAULT nextval('secret_state_change_seq'),
        updated_at       timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX secret_state_change_seq_idx ON secret_state (change_seq)`);
    await queryRunner.query(
      `CREATE INDEX secret_state_lock_idx ON secret_state (lock_expires_at) WHERE lock_tx IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE secret_version (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name         varchar(128) NOT NULL,
        lifetime_id  uuid,
        version      integer,
        split_id     uuid         NOT NULL,
        share        bytea,
        share_digest char(64),
        manifest     jsonb        NOT NULL,
        valid_from   timestamptz(3),
        valid_to     timestamptz(3),
        state        varchar(16)  NOT NULL CHECK (state IN ('prepared', 'committed', 'destroyed')),
        tx_id        uuid         NOT NULL,
        created_at   timestamptz(3) NOT NULL DEFAULT now(),
        updated_at   timestamptz(3) NOT NULL DEFAULT now(),
        CHECK (state <> 'destroyed' OR (share IS NULL AND share_digest IS NULL)),
        CHECK (state <> 'committed' OR (lifetime_id IS NOT NULL AND version IS NOT NULL AND valid_from IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX secret_version_committed_uq ON secret_version (name, lifetime_id, version) WHERE state = 'committed'`,
    );
    await queryRunner.query(`CREATE INDEX secret_version_tx_idx ON secret_version (tx_id)`);
    await queryRunner.query(`CREATE INDEX secret_version_name_idx ON secret_version (name, state)`);

    await queryRunner.query(`
      CREATE TABLE decision_log (
        tx_id        uuid PRIMARY KEY,
        decision     varchar(8) NOT NULL CHECK (decision IN ('commit', 'abort')),
        payload      jsonb,
        participants text[] NOT NULL DEFAULT '{}',
        pending      text[] NOT NULL DEFAULT '{}',
        created_at   timestamptz(3) NOT NULL DEFAULT now(),
        completed_at timestamptz(3)
      )`);
    await queryRunner.query(
      `CREATE INDEX decision_log_unfinished_idx ON decision_log (created_at) WHERE completed_at IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE idempotency_record (
        scope           varchar(300) NOT NULL,
        idempotency_key varchar(255) NOT NULL,
        request_hash    char(64)     NOT NULL,
        response        jsonb        NOT NULL,
        tx_id           uuid         NOT NULL,
        created_at      timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, idempotency_key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_record_created_idx ON idempotency_record (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_record`);
    await queryRunner.query(`DROP TABLE decision_log`);
    await queryRunner.query(`DROP TABLE secret_version`);
    await queryRunner.query(`DROP TABLE secret_state`);
    await queryRunner.query(`DROP SEQUENCE secret_state_change_seq`);
  }
}
