import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * From the coordinator's decision log to consensus on each transaction's outcome
 * (docs/model.md): every replica keeps, per transaction, its vote, its acceptor state
 * and the outcome (tx_record); the coordinator keeps nothing. Share digests get a salt
 * kept beside the share (docs/security.md). The replica's meta record tells a fresh
 * state from one carried over.
 *
 * Upgrading from 0.1 needs no write in flight: a lock or an unfinished decision of the old
 * protocol cannot be carried into the new one safely, so the migration refuses to run
 * while one exists (let the old replicas finish, then upgrade; docs/operations.md).
 */
export class PaxosCommitAndSalts1764201600000 implements MigrationInterface {
  name = 'PaxosCommitAndSalts1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [inFlight] = await queryRunner.query(`
      SELECT (SELECT count(*) FROM secret_state WHERE lock_tx IS NOT NULL)
           + (SELECT count(*) FROM decision_log WHERE completed_at IS NULL AND decision = 'commit') AS n`);
    if (Number(inFlight.n) > 0) {
      throw new Error('writes of the previous protocol are still in flight here: start the previous version until they finish, then upgrade');
    }
    await queryRunner.query(`DROP TABLE decision_log`);
    await queryRunner.query(`ALTER TABLE secret_state DROP COLUMN lock_coordinator, DROP COLUMN lock_expires_at`);
    await queryRunner.query(`ALTER TABLE secret_state ALTER COLUMN change_seq DROP DEFAULT`);
    await queryRunner.query(`DROP SEQUENCE secret_state_change_seq`);
    await queryRunner.query(`DROP INDEX IF EXISTS secret_state_lock_idx`);

    await queryRunner.query(`ALTER TABLE secret_version ADD COLUMN share_salt bytea`);
    await queryRunner.query(`ALTER TABLE secret_version DROP CONSTRAINT IF EXISTS secret_version_check`);
    await queryRunner.query(`
      ALTER TABLE secret_version ADD CONSTRAINT secret_version_destroyed_check
        CHECK (state <> 'destroyed' OR (share IS NULL AND share_digest IS NULL AND share_salt IS NULL))`);

    await queryRunner.query(`
      CREATE TABLE tx_record (
        tx_id            uuid PRIMARY KEY,
        coordinator      varchar(63)    NOT NULL,
        created_at       timestamptz(3) NOT NULL,
        names            text[]         NOT NULL DEFAULT '{}',
        share_names      text[]         NOT NULL DEFAULT '{}',
        vote             varchar(3)     CHECK (vote IN ('yes')),
        lease_expires_at timestamptz(3),
        promised_round   integer,
        promised_node    varchar(63),
        accepted_round   integer,
        accepted_node    varchar(63),
        accepted_value   varchar(6)     CHECK (accepted_value IN ('commit', 'abort')),
        decision         jsonb,
        outcome          varchar(6)     CHECK (outcome IN ('commit', 'abort')),
        decided_at       timestamptz(3)
      )`);
    await queryRunner.query(`CREATE INDEX tx_record_open_idx ON tx_record (lease_expires_at) WHERE outcome IS NULL AND lease_expires_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX tx_record_decided_idx ON tx_record (decided_at) WHERE outcome IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE replica_meta (
        id             integer PRIMARY KEY CHECK (id = 1),
        incarnation_id uuid           NOT NULL,
        created_at     timestamptz(3) NOT NULL,
        caught_up      boolean        NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE replica_meta`);
    await queryRunner.query(`DROP TABLE tx_record`);
    await queryRunner.query(`ALTER TABLE secret_version DROP CONSTRAINT secret_version_destroyed_check`);
    await queryRunner.query(`ALTER TABLE secret_version DROP COLUMN share_salt`);
    await queryRunner.query(`
      ALTER TABLE secret_version ADD CONSTRAINT secret_version_check CHECK (state <> 'destroyed' OR (share IS NULL AND share_digest IS NULL))`);
    await queryRunner.query(`CREATE SEQUENCE secret_state_change_seq`);
    await queryRunner.query(`SELECT setval('secret_state_change_seq', GREATEST(1, (SELECT COALESCE(max(change_seq), 1) FROM secret_state)))`);
    await queryRunner.query(`ALTER TABLE secret_state ALTER COLUMN change_seq SET DEFAULT nextval('secret_state_change_seq')`);
    await queryRunner.query(`ALTER TABLE secret_state ADD COLUMN lock_coordinator varchar(63), ADD COLUMN lock_expires_at timestamptz(3)`);
    await queryRunner.query(`CREATE INDEX secret_state_lock_idx ON secret_state (lock_expires_at) WHERE lock_tx IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE decision_log (
        tx_id uuid PRIMARY KEY, decision varchar(8) NOT NULL CHECK (decision IN ('commit', 'abort')), payload jsonb,
        participants text[] NOT NULL DEFAULT '{}', pending text[] NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(), completed_at timestamptz(3))`);
    await queryRunner.query(`CREATE INDEX decision_log_unfinished_idx ON decision_log (created_at) WHERE completed_at IS NULL`);
  }
}
