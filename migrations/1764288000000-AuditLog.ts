import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replica's audit trail (docs/security.md, "Audit"): one row per request stage, never
 * a value or a token. Append-only as far as the database can say it to the table's own
 * owner: UPDATE and TRUNCATE are revoked from the replica's login and refused by a
 * trigger, and DELETE (the retention purge) is refused for rows younger than a day (the
 * shortest retention VAULT_AUDIT_RETENTION_DAYS allows).
 */
export class AuditLog1764288000000 implements MigrationInterface {
  name = 'AuditLog1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id             bigserial      PRIMARY KEY,
        at             timestamptz(3) NOT NULL,
        stage          varchar(8)     NOT NULL CHECK (stage IN ('request', 'response')),
        request_id     varchar(128)   NOT NULL,
        token_id       varchar(32),
        token_name     varchar(64),
        operation      varchar(300)   NOT NULL,
        secret_name    varchar(128),
        names          text[],
        version        integer,
        status         smallint,
        code           varchar(40),
        client_address varchar(64),
        duration_ms    real
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_at_idx ON audit_log (at)`);
    await queryRunner.query(`CREATE INDEX audit_log_token_idx ON audit_log (token_id, id)`);
    await queryRunner.query(`CREATE INDEX audit_log_name_idx ON audit_log (secret_name, id)`);
    await queryRunner.query(`
      CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF OLD.at > now() - interval '1 day' THEN
            RAISE EXCEPTION 'audit_log rows younger than a day cannot be deleted';
          END IF;
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await queryRunner.query(`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_guard()`);
    await queryRunner.query(`REVOKE UPDATE, TRUNCATE ON audit_log FROM CURRENT_USER`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_log`);
    await queryRunner.query(`DROP FUNCTION audit_log_guard()`);
  }
}
