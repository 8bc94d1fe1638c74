import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `secret_version.manifest` becomes packed bytes (`vault/state/manifest-codec.ts`): a
 * version row was about 800 bytes, 500 of them the manifest as JSONB (every replica's id,
 * x and 64 hex digits, with JSONB's keys repeated in each entry); packed, it takes about
 * 190 for five replicas. Existing manifests are converted by the same rule in SQL; one that
 * the rule cannot hold exactly is kept as its JSON text (format 0). ALTER ... TYPE rewrites
 * the table. The conversion functions live in the replica's own schema for the length of
 * the migration (its login may not create temporary objects).
 */
export class PackedManifests1764547200000 implements MigrationInterface {
  name = 'PackedManifests1764547200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION packed_manifests_pack(m jsonb) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE
          WHEN jsonb_typeof(m) = 'object'
           AND (SELECT count(*) FROM jsonb_each(m)) <= 255
           AND (SELECT coalesce(bool_and(
                  jsonb_typeof(e.value) = 'object'
                  AND (SELECT count(*) FROM jsonb_object_keys(e.value)) = 2
                  AND jsonb_typeof(e.value->'x') = 'number' AND (e.value->>'x') ~ '^[0-9]{1,3}$' AND (e.value->>'x')::int <= 255
                  AND jsonb_typeof(e.value->'digest') = 'string' AND (e.value->>'digest') ~ '^[0-9a-f]{64}$'
                  AND octet_length(convert_to(e.key, 'UTF8')) <= 255), true)
                FROM jsonb_each(m) e)
          THEN '\\x01'::bytea || set_byte('\\x00'::bytea, 0, (SELECT count(*)::int FROM jsonb_each(m)))
               || coalesce((SELECT string_agg(
                    set_byte('\\x00'::bytea, 0, octet_length(convert_to(e.key, 'UTF8'))) || convert_to(e.key, 'UTF8')
                    || set_byte('\\x00'::bytea, 0, (e.value->>'x')::int) || decode(e.value->>'digest', 'hex'), ''::bytea)
                  FROM jsonb_each(m) e), ''::bytea)
          ELSE '\\x00'::bytea || convert_to(m::text, 'UTF8')
        END
      $$`);
    await queryRunner.query(`ALTER TABLE secret_version ALTER COLUMN manifest TYPE bytea USING packed_manifests_pack(manifest)`);
    await queryRunner.query(`DROP FUNCTION packed_manifests_pack(jsonb)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION packed_manifests_unpack(b bytea) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE
          result jsonb := '{}';
          at int := 2;
          id_length int;
        BEGIN
          IF get_byte(b, 0) = 0 THEN
            RETURN convert_from(substring(b FROM 2), 'UTF8')::jsonb;
          END IF;
          FOR entry IN 1 .. get_byte(b, 1) LOOP
            id_length := get_byte(b, at);
            result := result || jsonb_build_object(
              convert_from(substring(b FROM at + 2 FOR id_length), 'UTF8'),
              jsonb_build_object('x', get_byte(b, at + 1 + id_length), 'digest', encode(substring(b FROM at + 3 + id_length FOR 32), 'hex')));
            at := at + 34 + id_length;
          END LOOP;
          RETURN result;
        END
      $$`);
    await queryRunner.query(`ALTER TABLE secret_version ALTER COLUMN manifest TYPE jsonb USING packed_manifests_unpack(manifest)`);
    await queryRunner.query(`DROP FUNCTION packed_manifests_unpack(bytea)`);
  }
}
