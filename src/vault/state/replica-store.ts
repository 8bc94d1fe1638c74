import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { shareDigest } from '../../shamir';
import {
  CommitDecision,
  DecidedItem,
  FetchShareAnswer,
  HistoryAnswer,
  NameView,
  PrepareInfo,
  PreparePayload,
  RepairOutcome,
  RepairRequest,
  SplitManifest,
} from '../protocol';
import { StateRow, ms, viewOf } from './rows';

type Sql = Pick<EntityManager, 'query'>;

const toDate = (value: number | null) => (value === null ? null : new Date(value));

/**
 * This replica's authoritative state, in its own schema: the per-name state rows (views
 * and locks), its shares, and idempotency records. Every method is one database
 * transaction, so a message is applied wholly or not at all.
 */
export class ReplicaStore {
  constructor(
    private readonly db: DataSource,
    private readonly selfId: string,
  ) {}

  // ---- voting ------------------------------------------------------------------------

  /**
   * Takes the names' locks and stores this replica's shares as prepared, or says why not.
   * The vote carries this replica's views either way: the coordinator decides existence
   * from the highest revision among a quorum of them, not from any one replica.
   */
  async prepare(txId: string, coordinator: string, payload: PreparePayload, lockTtlMs: number): Promise<{ yes: boolean; reason?: string; info: PrepareInfo }> {
    const items = [...payload.items].sort((a, b) => (a.name < b.name ? -1 : 1));
    const names = items.map((i) => i.name);
    const shares = items.filter((i) => i.share).map((i) => ({ name: i.name, share: i.share!, bytes: Buffer.from(i.share!.data, 'base64') }));
    const sharesMatch = shares.every(({ share, bytes }) => share.manifest[this.selfId]?.digest === shareDigest(bytes));

    // Names seen for the first time need a row to lock (committed on its own: harmless).
    await this.db.query(`INSERT INTO secret_state (name) SELECT unnest($1::varchar[]) ON CONFLICT DO NOTHING`, [names]);
    // Then one statement, atomic on its own: lock the rows in name order, and only if no
    // other write holds any of them (and the key has no recorded outcome) take the locks
    // and store the shares as prepared. Row locks are taken before the decision is made
    // (FOR UPDATE in the init plan), so the lock columns read are the current ones.
    const rows: Array<StateRow & { idempotency: PrepareInfo['idempotency'] | null }> = await this.db.query(
      `WITH current AS (
         SELECT * FROM secret_state WHERE name = ANY($1) ORDER BY name FOR UPDATE),
       outcome AS (
         SELECT request_hash, response FROM idempotency_record WHERE scope = $2 AND idempotency_key = $3),
       refused AS (
         SELECT NOT $6::boolean
             OR EXISTS (SELECT 1 FROM current WHERE lock_tx IS NOT NULL AND lock_tx <> $4)
             OR EXISTS (SELECT 1 FROM outcome) AS no),
       locks AS (
         UPDATE secret_state SET lock_tx = $4, lock_coordinator = $5, lock_expires_at = now() + ($7 * interval '1 millisecond')
          WHERE name = ANY($1) AND NOT (SELECT no FROM refused)
          RETURNING name),
       prepared AS (
         INSERT INTO secret_version (name, split_id, share, share_digest, manifest, state, tx_id)
         SELECT name, split_id, share, digest, manifest::jsonb, 'prepared', $4
           FROM unnest($8::varchar[], $9::uuid[], $10::bytea[], $11::text[], $12::text[]) AS t(name, split_id, share, digest, manifest)
          WHERE NOT (SELECT no FROM refused)
          RETURNING 1)
       SELECT current.*,
              (SELECT json_build_object('requestHash', request_hash, 'response', response) FROM outcome) AS idempotency
         FROM current ORDER BY name`,
      [
        names,
        payload.idempotency?.scope ?? null,
        payload.idempotency?.key ?? null,
        txId,
        coordinator,
        sharesMatch,
        lockTtlMs,
        shares.map((s) => s.name),
        shares.map((s) => s.share.splitId),
        shares.map((s) => s.bytes),
        shares.map((s) => shareDigest(s.bytes)),
        shares.map((s) => JSON.stringify(s.share.manifest)),
      ],
    );
    const views = Object.fromEntries(rows.map((r) => [r.name, viewOf(r)]));
    const locked = rows.filter((r) => r.lock_tx !== null && r.lock_tx !== txId).map((r) => r.name);
    const idempotency = rows[0]?.idempotency ?? undefined;
    const info: PrepareInfo = { views, locked, ...(idempotency ? { idempotency } : {}) };
    if (locked.length > 0) return { yes: false, reason: 'locked', info };
    if (idempotency) return { yes: false, reason: 'already-done', info };
    if (!sharesMatch) return { yes: false, reason: 'bad-share', info };
    return { yes: true, info };
  }

  // ---- writing -----------------------------------------------------------------------

  /**
   * Applies a commit decision. Idempotent: a re-sent decision finds nothing left to do.
   * A replica that missed earlier writes jumps straight to the decided revision; one that
   * already moved past it keeps the share as a historical version when it still belongs.
   */
  async commit(txId: string, decision: CommitDecision): Promise<void> {
    const [single] = decision.items;
    if (decision.items.length === 1 && (single.op === 'create' || single.op === 'update')) {
      if (await this.applyNewerWrite(this.db, txId, single, decision.idempotency)) return;
    }
    const items = [...decision.items].sort((a, b) => (a.name < b.name ? -1 : 1));
    await this.db.transaction(async (sql) => {
      const rows = await this.lockStateRows(sql, items.map((i) => i.name));
      const byName = new Map(rows.map((r) => [r.name, r]));
      for (const item of items) {
        const row = byName.get(item.name)!;
        if (item.op !== 'check') {
          if (item.revision > Number(row.revision)) await this.applyDecided(sql, txId, item, row);
          else await this.keepAsHistory(sql, txId, item, row);
        }
      }
      // One round trip: drop what was prepared and not used, release the locks, record the outcome.
      const record = decision.idempotency;
      await sql.query(
        `WITH unused AS (DELETE FROM secret_version WHERE tx_id = $1 AND state = 'prepared'),
              released AS (UPDATE secret_state SET lock_tx = NULL, lock_coordinator = NULL, lock_expires_at = NULL WHERE lock_tx = $1)
         INSERT INTO idempotency_record (scope, idempotency_key, request_hash, response, tx_id)
         SELECT $2, $3, $4, $5::jsonb, $1 WHERE $2::varchar IS NOT NULL
         ON CONFLICT DO NOTHING`,
        [txId, record?.scope ?? null, record?.key ?? null, record?.requestHash ?? null, record ? JSON.stringify(record.response) : null],
      );
    });
  }

  /**
   * A create or update newer than this replica's state, as ONE statement (atomic on its
   * own, so the common commit needs no transaction): under the name's row lock, destroy
   * shares of other lifetimes (a replica that missed a delete and re-create), make the
   * prepared share the version, close the previous version, move the state row and release
   * the lock, record the idempotency outcome. Returns false, changing nothing, when the
   * decision is not newer (then the general commit path decides what to keep).
   */
  private async applyNewerWrite(sql: Sql, txId: string, item: DecidedItem, record: CommitDecision['idempotency']): Promise<boolean> {
    const [result]: Array<{ applied: boolean }> = await sql.query(
      `WITH current AS (
         SELECT revision FROM secret_state WHERE name = $1 FOR UPDATE),
       newer AS (
         SELECT EXISTS (SELECT 1 FROM current WHERE revision < $6) AS yes),
       other_lifetimes AS (
         UPDATE secret_version SET share = NULL, share_digest = NULL, state = 'destroyed', updated_at = now()
          WHERE name = $1 AND state = 'committed' AND lifetime_id IS DISTINCT FROM $2 AND (SELECT yes FROM newer)),
       promoted AS (
         UPDATE secret_version SET lifetime_id = $2, version = $3, valid_from = $4, valid_to = NULL, state = 'committed', updated_at = now()
          WHERE tx_id = $5 AND name = $1 AND state = 'prepared' AND (SELECT yes FROM newer)),
       previous AS (
         UPDATE secret_version SET valid_to = $4, updated_at = now()
          WHERE name = $1 AND lifetime_id = $2 AND version = $3 - 1 AND state = 'committed' AND (SELECT yes FROM newer)),
       state AS (
         UPDATE secret_state SET lifetime_id = $2, revision = $6, status = 'live', current_version = $3, last_valid_from = $4,
                deleted_at = NULL, change_seq = nextval('secret_state_change_seq'), updated_at = now(),
                lock_tx = CASE WHEN lock_tx = $5 THEN NULL ELSE lock_tx END,
                lock_coordinator = CASE WHEN lock_tx = $5 THEN NULL ELSE lock_coordinator END,
                lock_expires_at = CASE WHEN lock_tx = $5 THEN NULL ELSE lock_expires_at END
          WHERE name = $1 AND (SELECT yes FROM newer)),
       outcome AS (
         INSERT INTO idempotency_record (scope, idempotency_key, request_hash, response, tx_id)
         SELECT $7, $8, $9, $10::jsonb, $5 WHERE $7::varchar IS NOT NULL AND (SELECT yes FROM newer)
         ON CONFLICT DO NOTHING)
       SELECT yes AS applied FROM newer`,
      [
        item.name,
        item.lifetimeId,
        item.version,
        new Date(item.at),
        txId,
        item.revision,
        record?.scope ?? null,
        record?.key ?? null,
        record?.requestHash ?? null,
        record ? JSON.stringify(record.response) : null,
      ],
    );
    return result.applied;
  }

  /** One statement, so atomic without a transaction round trip: drop the shares, free the names. */
  async abort(txId: string): Promise<void> {
    await this.db.query(
      `WITH unused AS (DELETE FROM secret_version WHERE tx_id = $1 AND state = 'prepared')
       UPDATE secret_state SET lock_tx = NULL, lock_coordinator = NULL, lock_expires_at = NULL WHERE lock_tx = $1`,
      [txId],
    );
  }

  async listInDoubt(): Promise<Array<{ txId: string; coordinator: string }>> {
    const rows: Array<{ lock_tx: string; lock_coordinator: string }> = await this.db.query(
      `SELECT DISTINCT lock_tx, lock_coordinator FROM secret_state
        WHERE lock_tx IS NOT NULL AND lock_expires_at < now()`,
    );
    return rows.map((r) => ({ txId: r.lock_tx, coordinator: r.lock_coordinator }));
  }

  // ---- reads ---------------------------------------------------------------------------

  /** This replica's view of a name and its share of one version (latest if omitted), in one query. */
  async fetchShare(name: string, version?: number): Promise<FetchShareAnswer> {
    const [row]: Array<StateRow & { split_id: string | null; share: Buffer | null; manifest: SplitManifest | null; valid_from: Date | null; valid_to: Date | null; wanted: number; next_version: number | null; next_valid_from: Date | null }> =
      await this.db.query(
        `SELECT s.*, COALESCE($2, s.current_version) AS wanted,
                v.split_id, v.share, v.manifest, v.valid_from, v.valid_to,
                n.version AS next_version, n.valid_from AS next_valid_from
           FROM secret_state s
           LEFT JOIN secret_version v
             ON v.name = s.name AND v.lifetime_id = s.lifetime_id AND v.state = 'committed'
            AND v.version = COALESCE($2, s.current_version) AND s.status = 'live'
           LEFT JOIN LATERAL (
             SELECT version, valid_from FROM secret_version
              WHERE name = s.name AND lifetime_id = s.lifetime_id AND state = 'committed' AND version > COALESCE($2, s.current_version)
              ORDER BY version LIMIT 1) n ON s.status = 'live'
          WHERE s.name = $1`,
        [name, version ?? null],
      );
    const view = viewOf(row);
    if (!row || !row.lifetime_id || view.status !== 'live') return { view, share: null, next: null };
    return {
      view,
      share:
        row.share && row.split_id && row.manifest && row.valid_from
          ? {
              lifetimeId: row.lifetime_id,
              version: row.wanted,
              splitId: row.split_id,
              data: row.share.toString('base64'),
              manifest: row.manifest,
              validFrom: row.valid_from.getTime(),
              validTo: ms(row.valid_to),
            }
          : null,
      next: row.next_version !== null && row.next_valid_from ? { version: row.next_version, validFrom: row.next_valid_from.getTime() } : null,
    };
  }

  async history(name: string): Promise<HistoryAnswer> {
    const [state]: StateRow[] = await this.db.query(`SELECT * FROM secret_state WHERE name = $1`, [name]);
    const view = viewOf(state);
    if (!state || view.status !== 'live') return { view, versions: [] };
    const rows: Array<{ version: number; valid_from: Date }> = await this.db.query(
      `SELECT version, valid_from FROM secret_version
        WHERE name = $1 AND lifetime_id = $2 AND state = 'committed' ORDER BY version`,
      [name, state.lifetime_id],
    );
    return { view, versions: rows.map((r) => ({ version: r.version, validFrom: r.valid_from.getTime() })) };
  }

  // ---- repair and catch-up ---------------------------------------------------------------

  /**
   * Installs a share of the latest version that this replica lacks. Under the name's row
   * lock, and only if no write holds the name and this replica has not moved past the
   * revision the reader saw: a concurrent update or delete always wins over a repair.
   */
  async repair(request: RepairRequest): Promise<RepairOutcome> {
    const bytes = Buffer.from(request.share.data, 'base64');
    const expected = request.share.manifest[this.selfId];
    if (!expected || expected.digest !== shareDigest(bytes)) throw new Error('repair share does not match its manifest');
    return this.db.transaction(async (sql) => {
      const [row] = await this.lockStateRows(sql, [request.name]);
      if (row.lock_tx !== null) return 'locked';
      if (Number(row.revision) > request.view.revision) return 'newer';
      if (request.view.status !== 'live' || request.view.currentVersion !== request.version) return 'newer';
      if (Number(row.revision) < request.view.revision) await this.applyView(sql, row, request.view);

      const lifetimeId = request.view.lifetimeId!;
      await sql.query(
        `UPDATE secret_version SET share = NULL, share_digest = NULL, state = 'destroyed', updated_at = now()
          WHERE name = $1 AND lifetime_id = $2 AND version = $3 AND state = 'committed'`,
        [request.name, lifetimeId, request.version],
      );
      await sql.query(
        `INSERT INTO secret_version (name, lifetime_id, version, split_id, share, share_digest, manifest, valid_from, state, tx_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'committed', $9)`,
        [request.name, lifetimeId, request.version, request.share.splitId, bytes, shareDigest(bytes), JSON.stringify(request.share.manifest), new Date(request.validFrom), randomUUID()],
      );
      return 'repaired';
    });
  }

  /** Adopts a newer committed view learnt from a peer (a tombstone, a new lifetime, ...). */
  async sync(names: Array<{ name: string; view: NameView }>): Promise<number> {
    let applied = 0;
    for (const { name, view } of names) {
      await this.db.transaction(async (sql) => {
        const [row] = await this.lockStateRows(sql, [name]);
        if (view.revision > Number(row.revision)) {
          await this.applyView(sql, row, view);
          applied++;
        }
      });
    }
    return applied;
  }

  async changes(afterSeq: number, limit: number): Promise<Array<{ name: string; view: NameView; seq: number; ageMs: number }>> {
    const rows: Array<StateRow & { age_ms: string }> = await this.db.query(
      `SELECT *, floor(extract(epoch FROM (now() - updated_at)) * 1000) AS age_ms FROM secret_state
        WHERE change_seq > $1 AND status <> 'absent' ORDER BY change_seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map((r) => ({ name: r.name, view: viewOf(r), seq: Number(r.change_seq), ageMs: Number(r.age_ms) }));
  }

  /** The changes whose revision is above this replica's own for the name. */
  async newerThanLocal(changes: Array<{ name: string; view: NameView }>): Promise<Array<{ name: string; view: NameView }>> {
    if (changes.length === 0) return [];
    const rows: Array<{ name: string; revision: string }> = await this.db.query(
      `SELECT name, revision FROM secret_state WHERE name = ANY($1)`,
      [changes.map((c) => c.name)],
    );
    const local = new Map(rows.map((r) => [r.name, Number(r.revision)]));
    return changes.filter((c) => c.view.revision > (local.get(c.name) ?? 0));
  }

  async purgeIdempotency(before: Date): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_record WHERE created_at < $1`, [before]);
  }

  // ---- helpers -------------------------------------------------------------------------

  /** Row-locks the names' state rows (in name order, so two transactions never deadlock). */
  private async lockStateRows(sql: Sql, names: string[]): Promise<StateRow[]> {
    // The no-op DO UPDATE takes the row lock and returns the row, existing or new.
    return sql.query(
      `INSERT INTO secret_state (name) SELECT unnest($1::varchar[])
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
       RETURNING *`,
      [[...names].sort()],
    );
  }

  /** Applies a decision newer than this replica's state (the row is already locked). */
  private async applyDecided(sql: Sql, txId: string, item: DecidedItem, row: StateRow): Promise<void> {
    if (item.op === 'delete') {
      await this.applyView(sql, row, {
        lifetimeId: item.lifetimeId ?? row.lifetime_id,
        revision: item.revision,
        status: 'deleted',
        currentVersion: item.version,
        lastValidFrom: Math.max(item.at, ms(row.last_valid_from) ?? 0),
        deletedAt: item.at,
      });
      return;
    }
    await this.applyNewerWrite(sql, txId, item, undefined);
  }

  /** A decision older than this replica's state: keep the share only if it is still history. */
  private async keepAsHistory(sql: Sql, txId: string, item: DecidedItem, row: StateRow): Promise<void> {
    const belongs =
      (item.op === 'create' || item.op === 'update') &&
      row.status === 'live' &&
      row.lifetime_id === item.lifetimeId &&
      item.version <= row.current_version;
    if (!belongs) return;
    const [have] = await sql.query(
      `SELECT 1 FROM secret_version WHERE name = $1 AND lifetime_id = $2 AND version = $3 AND state = 'committed'`,
      [item.name, item.lifetimeId, item.version],
    );
    if (have) return;
    const [next]: Array<{ valid_from: Date }> = await sql.query(
      `SELECT valid_from FROM secret_version WHERE name = $1 AND lifetime_id = $2 AND version = $3 AND state = 'committed'`,
      [item.name, item.lifetimeId, item.version + 1],
    );
    await this.promotePrepared(sql, txId, item, next ? next.valid_from : null);
  }

  private async promotePrepared(sql: Sql, txId: string, item: DecidedItem, validTo: Date | null): Promise<void> {
    await sql.query(
      `UPDATE secret_version SET lifetime_id = $3, version = $4, valid_from = $5, valid_to = $6, state = 'committed', updated_at = now()
        WHERE tx_id = $1 AND name = $2 AND state = 'prepared'`,
      [txId, item.name, item.lifetimeId, item.version, new Date(item.at), validTo],
    );
  }

  /**
   * Moves the name's state row to `view` and destroys every share the view rules out: all
   * of them for a tombstone, those of other lifetimes for a live name.
   */
  private async applyView(sql: Sql, row: StateRow, view: NameView): Promise<void> {
    if (view.status === 'deleted') {
      await sql.query(
        `UPDATE secret_version SET share = NULL, share_digest = NULL, state = 'destroyed', updated_at = now()
          WHERE name = $1 AND state = 'committed'`,
        [row.name],
      );
    } else if (view.status === 'live') {
      await sql.query(
        `UPDATE secret_version SET share = NULL, share_digest = NULL, state = 'destroyed', updated_at = now()
          WHERE name = $1 AND state = 'committed' AND lifetime_id IS DISTINCT FROM $2`,
        [row.name, view.lifetimeId],
      );
    }
    await sql.query(
      `UPDATE secret_state SET lifetime_id = $2, revision = $3, status = $4, current_version = $5,
              last_valid_from = $6, deleted_at = $7, change_seq = nextval('secret_state_change_seq'), updated_at = now()
        WHERE name = $1`,
      [row.name, view.lifetimeId, view.revision, view.status, view.currentVersion, toDate(view.lastValidFrom), toDate(view.deletedAt)],
    );
  }
}

export function manifestIsWellFormed(manifest: SplitManifest): boolean {
  return Object.entries(manifest).every(
    ([node, entry]) =>
      /^[a-z0-9-]{1,63}$/.test(node) &&
      Number.isInteger(entry?.x) &&
      entry.x >= 1 &&
      entry.x <= 255 &&
      typeof entry.digest === 'string' &&
      /^[0-9a-f]{64}$/.test(entry.digest),
  );
}
