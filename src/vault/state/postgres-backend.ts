import { randomUUID } from 'node:crypto';
import { Pool, PoolClient, QueryResult } from 'pg';
import { Ballot } from '../../coordination/commit/ballot';
import { CommitDecision } from '../protocol';
import { packManifest, unpackManifest } from './manifest-codec';
import {
  FetchRow,
  HistoryRow,
  IdempotencyRow,
  LoadKeys,
  Loaded,
  LockRow,
  NameRow,
  ReplicaMeta,
  SHARE_OP_ORDER,
  ShareOp,
  StateBackend,
  TxRow,
  Writes,
} from './model';

/** Timestamps cross the driver as epoch milliseconds (float8), never as Date objects. */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const ts = (value: string) => `to_timestamp(${value} / 1000.0)`;

const NAME_COLUMNS = `s.name, s.lifetime_id, s.revision::float8 AS revision, s.status, s.current_version,
  ${ms('s.last_valid_from')} AS last_valid_from, ${ms('s.deleted_at')} AS deleted_at, s.lock_tx, s.change_seq::float8 AS change_seq`;

const LOCK_COLUMNS = `t.coordinator AS lock_coordinator, ${ms('t.created_at')} AS lock_created_at, ${ms('t.lease_expires_at')} AS lock_lease`;

const TX_COLUMNS = `t.tx_id, t.coordinator, ${ms('t.created_at')} AS created_at, t.names, t.share_names, t.vote,
  ${ms('t.lease_expires_at')} AS lease_expires_at, t.promised_round, t.promised_node, t.accepted_round, t.accepted_node,
  t.accepted_value, t.decision, t.outcome, ${ms('t.decided_at')} AS decided_at`;

interface NameRecord {
  name: string;
  lifetime_id: string | null;
  revision: number;
  status: NameRow['status'];
  current_version: number;
  last_valid_from: number | null;
  deleted_at: number | null;
  lock_tx: string | null;
  change_seq: number;
}

interface TxRecord {
  tx_id: string;
  coordinator: string;
  created_at: number;
  names: string[];
  share_names: string[];
  vote: 'yes' | null;
  lease_expires_at: number | null;
  promised_round: number | null;
  promised_node: string | null;
  accepted_round: number | null;
  accepted_node: string | null;
  accepted_value: 'commit' | 'abort' | null;
  decision: CommitDecision | null;
  outcome: 'commit' | 'abort' | null;
  decided_at: number | null;
}

interface LockColumns {
  lock_coordinator: string | null;
  lock_created_at: number | null;
  lock_lease: number | null;
}

/**
 * The replica's rows in its own Postgres schema (docs/storage.md). A load is one query; a
 * write is one statement per kind of change (multi-row, through unnest), whatever the
 * number of rows, and the changes to different tables travel as one statement: a batch of
 * prepares or of commits is usually one round trip to the database, and never needs more
 * than a transaction around the share statements that must run in order.
 */
export class PostgresBackend implements StateBackend {
  private erasure: NodeJS.Timeout | null = null;
  private erasing: Promise<void> | null = null;
  /** A destruction came while a rewrite was under way: schedule the next when it ends. */
  private erasureAfterCurrent = false;
  private closed = false;
  /** How long the last rewrite held the table, and when it ended (performance.now()). */
  private lastRewrite = { tookMs: 0, endedAt: -Infinity };
  /** VACUUMs run to erase destroyed shares (docs/storage.md). */
  vacuums = 0;

  constructor(private readonly pool: Pool) {}

  async init(fresh: (hasData: boolean) => ReplicaMeta): Promise<{ meta: ReplicaMeta; maxChangeSeq: number }> {
    const [facts] = (
      await this.pool.query(`SELECT EXISTS (SELECT 1 FROM secret_state) AS has_data, COALESCE(max(change_seq), 0)::float8 AS max_seq FROM secret_state`)
    ).rows;
    const candidate = fresh(facts.has_data);
    await this.pool.query(
      `INSERT INTO replica_meta (id, incarnation_id, created_at, caught_up) VALUES (1, $1, ${ts('$2::float8')}, $3) ON CONFLICT (id) DO NOTHING`,
      [candidate.incarnationId, candidate.createdAt, candidate.caughtUp],
    );
    const [meta] = (await this.pool.query(`SELECT incarnation_id, ${ms('created_at')} AS created_at, caught_up FROM replica_meta WHERE id = 1`)).rows;
    return { meta: { incarnationId: meta.incarnation_id, createdAt: meta.created_at, caughtUp: meta.caught_up }, maxChangeSeq: facts.max_seq };
  }

  // The two statements every write batch and every uncached share fetch run are named, so
  // each connection parses them once. They are still planned for every execution (the
  // pool's plan_cache_mode, vault/database.ts), so that their plans follow the tables'
  // growth. Names go through an index (= ANY), never a scan of the table.
  async load(keys: LoadKeys): Promise<Loaded> {
    const [row] = (
      await this.pool.query({
        name: 'vault-load',
        text: `WITH looked_up AS (
           SELECT unnest($1::varchar[]) AS name
           UNION SELECT unnest(t.names) FROM tx_record t WHERE t.tx_id = ANY($2::uuid[]))
         SELECT
           (SELECT array_agg(name) FROM looked_up) AS looked_up,
           (SELECT COALESCE(json_agg(x), '[]') FROM (SELECT ${NAME_COLUMNS} FROM secret_state s WHERE s.name = ANY (ARRAY(SELECT name FROM looked_up))) x) AS names,
           (SELECT COALESCE(json_agg(x), '[]') FROM (SELECT ${TX_COLUMNS} FROM tx_record t WHERE t.tx_id = ANY($2::uuid[])) x) AS txs,
           (SELECT COALESCE(json_agg(x), '[]') FROM (
              SELECT i.scope, i.idempotency_key, i.request_hash, i.response, i.tx_id, ${ms('i.created_at')} AS created_at
                FROM idempotency_record i JOIN unnest($3::varchar[], $4::varchar[]) AS k(scope, key)
                  ON i.scope = k.scope AND i.idempotency_key = k.key) x) AS idem`,
        values: [keys.names, keys.txIds, keys.idempotency.map((r) => r.scope), keys.idempotency.map((r) => r.key)],
      })
    ).rows;
    return {
      lookedUp: row.looked_up ?? [],
      names: (row.names as NameRecord[]).map(nameRow),
      txs: (row.txs as TxRecord[]).map(txRow),
      idempotency: (row.idem as Array<Record<string, unknown>>).map(
        (r): IdempotencyRow => ({
          scope: r.scope as string,
          key: r.idempotency_key as string,
          requestHash: r.request_hash as string,
          response: r.response as Record<string, unknown>,
          txId: r.tx_id as string,
          createdAt: r.created_at as number,
        }),
      ),
    };
  }

  async write(writes: Writes): Promise<void> {
    const shares = writes.shareWaves.flatMap(waveStatements);
    // One table each, and none reads what another writes.
    const rows: Statement[] = [];
    if (writes.names.length > 0) rows.push(statement(upsertNames(writes.names)));
    if (writes.txs.length > 0) rows.push(statement(upsertTxs(writes.txs)));
    if (writes.idempotency.length > 0) rows.push(statement(insertIdempotency(writes.idempotency)));
    if (writes.meta) {
      rows.push(statement([`UPDATE replica_meta SET caught_up = $1, created_at = ${ts('$2::float8')} WHERE id = 1`, [writes.meta.caughtUp, writes.meta.createdAt]]));
    }
    // The share statements (the versions and their bytes) run wave after wave; the last of
    // them joins the others in one statement (a prepare or a batch of commits is then a
    // single statement, no BEGIN or COMMIT).
    const statements = shares.slice(0, -1);
    const joined = [...shares.slice(-1), ...rows];
    if (joined.length > 0) statements.push(together(joined));
    // After the upsert of transaction records, which may name the same rows.
    if (writes.forgetTxs.length > 0) statements.push(statement([`DELETE FROM tx_record WHERE tx_id = ANY($1::uuid[])`, [writes.forgetTxs]]));
    if (statements.length === 0) return;
    let erased = 0;
    if (statements.length === 1) {
      // One statement is atomic on its own: no transaction round trips.
      erased += erasedBy(statements[0], await this.pool.query(statements[0].sql, statements[0].params));
    } else {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        for (const step of statements) erased += erasedBy(step, await client.query(step.sql, step.params));
        await client.query('COMMIT');
      } catch (error) {
        await rollback(client);
        throw error;
      } finally {
        client.release();
      }
    }
    // Only rows that lost their bytes need the rewrite: most commits destroy nothing (their
    // "drop what is still prepared" finds every share promoted).
    if (erased > 0) this.scheduleErasure();
  }

  /**
   * Destroying a share writes a new row version without its bytes; the old version keeps
   * them in the table's pages, and a plain VACUUM only marks that space free: the bytes stay
   * in the data file until something overwrites them (measured; docs/storage.md). So after
   * any destruction (deletes, aborted prepares, re-split leftovers) the shares table is
   * rewritten (VACUUM FULL) within about ERASURE_DELAY_MS, once for all the destructions of
   * that interval. The rewrite holds the table's lock while it copies the live rows (a few
   * milliseconds for thousands of secrets, about 0.6 s for 100,000 share rows; reads are
   * mostly served from the replica's cache meanwhile); it waits at most
   * ERASURE_LOCK_WAIT_MS for the lock and otherwise tries again. The time it takes grows
   * with the table, and destructions can keep coming (deletes, aborted prepares under
   * contention): rewrites start at least 10 s apart, and at least nine times as long as
   * the last one took (erasureDelayMs). What remains elsewhere (WAL, backups, standbys)
   * is in docs/storage.md.
   */
  private scheduleErasure(): void {
    if (this.closed || this.erasure || this.erasureAfterCurrent) return;
    if (this.erasing) {
      // Destroyed while a rewrite is copying the table: the next one counts from its end.
      this.erasureAfterCurrent = true;
      void this.erasing.finally(() => {
        this.erasureAfterCurrent = false;
        this.scheduleErasure();
      });
      return;
    }
    const sinceLast = performance.now() - this.lastRewrite.endedAt;
    this.erasure = setTimeout(() => {
      this.erasure = null;
      this.erasing = this.rewriteSharesTable()
        .then(() => {
          this.vacuums++;
        })
        .catch(() => this.scheduleErasure())
        .finally(() => {
          this.erasing = null;
        });
    }, erasureDelayMs(this.lastRewrite.tookMs, sinceLast));
    this.erasure.unref();
  }

  async fetch(requests: Array<{ name: string; version?: number }>): Promise<FetchRow[]> {
    const { rows } = await this.pool.query({
      name: 'vault-fetch',
      text: `SELECT q.i, ${NAME_COLUMNS}, ${LOCK_COLUMNS},
              v.version AS share_version, v.split_id, b.share, b.share_salt, v.manifest,
              ${ms('v.valid_from')} AS valid_from, ${ms('v.valid_to')} AS valid_to,
              n.version AS next_version, ${ms('n.valid_from')} AS next_valid_from
         FROM unnest($1::varchar[], $2::int[]) WITH ORDINALITY AS q(name, version, i)
         LEFT JOIN secret_state s ON s.name = q.name
         LEFT JOIN tx_record t ON t.tx_id = s.lock_tx
         LEFT JOIN secret_version v
           ON s.status = 'live' AND v.name = s.name AND v.lifetime_id = s.lifetime_id AND v.state = 'committed'
          AND v.version = COALESCE(q.version, s.current_version)
         LEFT JOIN secret_share b ON b.version_id = v.id
         LEFT JOIN LATERAL (
           SELECT version, valid_from FROM secret_version
            WHERE name = s.name AND lifetime_id = s.lifetime_id AND state = 'committed' AND version > COALESCE(q.version, s.current_version)
            ORDER BY version LIMIT 1) n ON s.status = 'live'
        ORDER BY q.i`,
      values: [requests.map((r) => r.name), requests.map((r) => r.version ?? null)],
    });
    return rows.map((r) => ({
      row: r.name ? nameRow(r) : null,
      lock: lockRow(r),
      share:
        r.share && r.split_id
          ? {
              lifetimeId: r.lifetime_id,
              version: r.share_version,
              splitId: r.split_id,
              share: r.share,
              salt: r.share_salt,
              manifest: unpackManifest(r.manifest),
              validFrom: r.valid_from,
              validTo: r.valid_to,
            }
          : null,
      next: r.next_version !== null ? { version: r.next_version, validFrom: r.next_valid_from } : null,
    }));
  }

  async history(name: string): Promise<HistoryRow> {
    const { rows } = await this.pool.query(
      `SELECT ${NAME_COLUMNS}, ${LOCK_COLUMNS},
              (SELECT COALESCE(json_agg(json_build_object('version', v.version, 'validFrom', ${ms('v.valid_from')}) ORDER BY v.version), '[]')
                 FROM secret_version v WHERE v.name = s.name AND v.lifetime_id = s.lifetime_id AND v.state = 'committed' AND s.status = 'live') AS versions
         FROM secret_state s LEFT JOIN tx_record t ON t.tx_id = s.lock_tx WHERE s.name = $1`,
      [name],
    );
    const [r] = rows;
    if (!r) return { row: null, lock: null, versions: [] };
    return { row: nameRow(r), lock: lockRow(r), versions: r.versions };
  }

  async changes(afterSeq: number, limit: number): Promise<NameRow[]> {
    const { rows } = await this.pool.query(
      `SELECT ${NAME_COLUMNS} FROM secret_state s WHERE s.change_seq > $1 AND s.status <> 'absent' ORDER BY s.change_seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map(nameRow);
  }

  async snapshot(afterName: string, limit: number): Promise<Array<{ row: NameRow; lock: LockRow | null }>> {
    const { rows } = await this.pool.query(
      `SELECT ${NAME_COLUMNS}, ${LOCK_COLUMNS} FROM secret_state s LEFT JOIN tx_record t ON t.tx_id = s.lock_tx
        WHERE s.name COLLATE "C" > $1 AND (s.status <> 'absent' OR s.lock_tx IS NOT NULL) ORDER BY s.name COLLATE "C" LIMIT $2`,
      [afterName, limit],
    );
    return rows.map((r) => ({ row: nameRow(r), lock: lockRow(r) }));
  }

  async revisions(names: string[]): Promise<Map<string, number>> {
    const { rows } = await this.pool.query(`SELECT name, revision::float8 AS revision FROM secret_state WHERE name = ANY($1::varchar[])`, [names]);
    return new Map(rows.map((r) => [r.name as string, r.revision as number]));
  }

  async inDoubt(now: number, limit: number): Promise<TxRow[]> {
    const { rows } = await this.pool.query(
      `SELECT ${TX_COLUMNS} FROM tx_record t
        WHERE t.outcome IS NULL AND t.lease_expires_at IS NOT NULL AND t.lease_expires_at < ${ts('$1::float8')}
        ORDER BY t.lease_expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map(txRow);
  }

  async purgeTransactions(before: number): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM tx_record
        WHERE (outcome IS NOT NULL AND decided_at < ${ts('$1::float8')})
           OR (outcome IS NULL AND lease_expires_at IS NULL AND created_at < ${ts('$1::float8')})`,
      [before],
    );
    return result.rowCount ?? 0;
  }

  async purgeIdempotency(before: number): Promise<number> {
    const result = await this.pool.query(`DELETE FROM idempotency_record WHERE created_at < ${ts('$1::float8')}`, [before]);
    return result.rowCount ?? 0;
  }

  private async rewriteSharesTable(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query(`SET lock_timeout = ${ERASURE_LOCK_WAIT_MS}`);
      const started = performance.now();
      await client.query('VACUUM FULL secret_share');
      const ended = performance.now();
      this.lastRewrite = { tookMs: ended - started, endedAt: ended };
    } finally {
      await client.query('RESET lock_timeout').catch(() => undefined);
      client.release();
    }
  }

  async close(): Promise<void> {
    // The pool belongs to the data source; it is closed with it.
    this.closed = true;
    if (this.erasure) clearTimeout(this.erasure);
    await this.erasing;
  }
}

/** One SQL statement, or several joined into one (`together`). */
interface Statement {
  sql: string;
  params: unknown[];
  /** Removes share bytes: the rows it changes are counted as erased. */
  erases?: boolean;
  /** A joined statement: its one row's `erased` column counts the rows that lost share bytes. */
  countsErased?: boolean;
  /** The single statements a joined one was made of (joining it again joins them). */
  parts?: Statement[];
}

function statement([sql, params]: [string, unknown[]], erases = false): Statement {
  return { sql, params, erases };
}

/**
 * Statements that change disjoint rows (of one table or of several), none reading what
 * another writes, as one statement (data-modifying CTEs, run on one snapshot): one
 * round trip, atomic on its own. Each statement's parameters are renumbered after the
 * ones before it; the rows changed by an erasing one are counted in the result.
 */
function together(statements: Statement[]): Statement {
  const singles = statements.flatMap((s) => s.parts ?? [s]);
  if (singles.length === 1) return singles[0];
  const params: unknown[] = [];
  const ctes = singles.map(({ sql, params: values, erases }, i) => {
    const offset = params.length;
    params.push(...values);
    const renumbered = sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    return `w${i} AS (${renumbered}${erases ? ' RETURNING 1' : ''})`;
  });
  const counts = singles.flatMap(({ erases }, i) => (erases ? [`(SELECT count(*) FROM w${i})`] : []));
  return { sql: `WITH ${ctes.join(',\n')} SELECT ${counts.length > 0 ? counts.join(' + ') : '0'} AS erased`, params, countsErased: true, parts: singles };
}

/** How many rows lost share bytes in `result` of `step`. */
function erasedBy(step: Statement, result: QueryResult): number {
  if (step.countsErased) return Number(result.rows[0]?.erased ?? 0);
  return step.erases ? result.rowCount ?? 0 : 0;
}

function nameRow(r: NameRecord): NameRow {
  return {
    name: r.name,
    lifetimeId: r.lifetime_id,
    revision: Number(r.revision),
    status: r.status,
    currentVersion: r.current_version,
    lastValidFrom: r.last_valid_from,
    deletedAt: r.deleted_at,
    lockTx: r.lock_tx,
    changeSeq: Number(r.change_seq),
  };
}

function lockRow(r: NameRecord & LockColumns): LockRow | null {
  if (!r.lock_tx) return null;
  return { txId: r.lock_tx, coordinator: r.lock_coordinator ?? 'unknown', createdAt: r.lock_created_at ?? 0, leaseExpiresAt: r.lock_lease };
}

function txRow(r: TxRecord): TxRow {
  const ballot = (round: number | null, node: string | null): Ballot | null => (round === null || node === null ? null : { round, node });
  const accepted = ballot(r.accepted_round, r.accepted_node);
  return {
    txId: r.tx_id,
    coordinator: r.coordinator,
    createdAt: r.created_at,
    names: r.names,
    shareNames: r.share_names,
    vote: r.vote,
    leaseExpiresAt: r.lease_expires_at,
    promised: ballot(r.promised_round, r.promised_node),
    accepted: accepted && r.accepted_value ? { ballot: accepted, value: r.accepted_value } : null,
    decision: r.decision,
    outcome: r.outcome,
    decidedAt: r.decided_at,
  };
}

function upsertNames(rows: NameRow[]): [string, unknown[]] {
  return [
    `INSERT INTO secret_state (name, lifetime_id, revision, status, current_version, last_valid_from, deleted_at, lock_tx, change_seq, updated_at)
     SELECT name, lifetime_id, revision, status, current_version, ${ts('last_valid_from')}, ${ts('deleted_at')}, lock_tx, change_seq, now()
       FROM unnest($1::varchar[], $2::uuid[], $3::bigint[], $4::varchar[], $5::int[], $6::float8[], $7::float8[], $8::uuid[], $9::bigint[])
         AS r(name, lifetime_id, revision, status, current_version, last_valid_from, deleted_at, lock_tx, change_seq)
     ON CONFLICT (name) DO UPDATE SET lifetime_id = EXCLUDED.lifetime_id, revision = EXCLUDED.revision, status = EXCLUDED.status,
        current_version = EXCLUDED.current_version, last_valid_from = EXCLUDED.last_valid_from, deleted_at = EXCLUDED.deleted_at,
        lock_tx = EXCLUDED.lock_tx, change_seq = EXCLUDED.change_seq, updated_at = now()`,
    [
      rows.map((r) => r.name),
      rows.map((r) => r.lifetimeId),
      rows.map((r) => r.revision),
      rows.map((r) => r.status),
      rows.map((r) => r.currentVersion),
      rows.map((r) => r.lastValidFrom),
      rows.map((r) => r.deletedAt),
      rows.map((r) => r.lockTx),
      rows.map((r) => r.changeSeq),
    ],
  ];
}

function upsertTxs(rows: TxRow[]): [string, unknown[]] {
  return [
    `INSERT INTO tx_record (tx_id, coordinator, created_at, names, share_names, vote, lease_expires_at, promised_round, promised_node,
                            accepted_round, accepted_node, accepted_value, decision, outcome, decided_at)
     SELECT tx_id, coordinator, ${ts('created_at')}, ARRAY(SELECT json_array_elements_text(names)), ARRAY(SELECT json_array_elements_text(share_names)),
            vote, ${ts('lease_expires_at')}, promised_round, promised_node, accepted_round, accepted_node, accepted_value, decision::jsonb, outcome, ${ts('decided_at')}
       FROM unnest($1::uuid[], $2::varchar[], $3::float8[], $4::json[], $5::json[], $6::varchar[], $7::float8[], $8::int[], $9::varchar[],
                   $10::int[], $11::varchar[], $12::varchar[], $13::text[], $14::varchar[], $15::float8[])
         AS r(tx_id, coordinator, created_at, names, share_names, vote, lease_expires_at, promised_round, promised_node,
              accepted_round, accepted_node, accepted_value, decision, outcome, decided_at)
     ON CONFLICT (tx_id) DO UPDATE SET names = EXCLUDED.names, share_names = EXCLUDED.share_names, vote = EXCLUDED.vote,
        lease_expires_at = EXCLUDED.lease_expires_at, promised_round = EXCLUDED.promised_round, promised_node = EXCLUDED.promised_node,
        accepted_round = EXCLUDED.accepted_round, accepted_node = EXCLUDED.accepted_node, accepted_value = EXCLUDED.accepted_value,
        decision = EXCLUDED.decision, outcome = EXCLUDED.outcome, decided_at = EXCLUDED.decided_at`,
    [
      rows.map((t) => t.txId),
      rows.map((t) => t.coordinator),
      rows.map((t) => t.createdAt),
      rows.map((t) => JSON.stringify(t.names)),
      rows.map((t) => JSON.stringify(t.shareNames)),
      rows.map((t) => t.vote),
      rows.map((t) => t.leaseExpiresAt),
      rows.map((t) => t.promised?.round ?? null),
      rows.map((t) => t.promised?.node ?? null),
      rows.map((t) => t.accepted?.ballot.round ?? null),
      rows.map((t) => t.accepted?.ballot.node ?? null),
      rows.map((t) => t.accepted?.value ?? null),
      rows.map((t) => (t.decision ? JSON.stringify(t.decision) : null)),
      rows.map((t) => t.outcome),
      rows.map((t) => t.decidedAt),
    ],
  ];
}

function insertIdempotency(rows: IdempotencyRow[]): [string, unknown[]] {
  return [
    `INSERT INTO idempotency_record (scope, idempotency_key, request_hash, response, tx_id, created_at)
     SELECT scope, key, hash, response::jsonb, tx_id, ${ts('created_at')}
       FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::uuid[], $6::float8[]) AS r(scope, key, hash, response, tx_id, created_at)
     ON CONFLICT DO NOTHING`,
    [
      rows.map((r) => r.scope),
      rows.map((r) => r.key),
      rows.map((r) => r.requestHash),
      rows.map((r) => JSON.stringify(r.response)),
      rows.map((r) => r.txId),
      rows.map((r) => r.createdAt),
    ],
  ];
}

/** How soon after a destruction its bytes are vacuumed out of the table's pages (at the earliest). */
export const ERASURE_DELAY_MS = 2000;
/** Rewrites start at least this far apart, however many destructions keep coming. */
export const ERASURE_MIN_GAP_MS = 10_000;
const ERASURE_LOCK_WAIT_MS = 1000;
/** A rewrite that took t ms is followed by at least this many times t ms without one. */
const ERASURE_PAUSE_FACTOR = 9;

/**
 * How long to wait before the next rewrite of the shares table, counted from a
 * destruction: ERASURE_DELAY_MS after a quiet spell (a single delete is erased within
 * about 2 s); while destructions keep coming, ERASURE_MIN_GAP_MS from the last rewrite,
 * or nine times as long as it took when that is longer, so that the table is held for at
 * most a tenth of the time. (The same bytes stay in the WAL until a checkpoint recycles
 * it, minutes later: docs/storage.md. Seconds more in the table's pages change little.)
 */
export function erasureDelayMs(lastRewriteMs: number, sinceLastRewriteMs: number): number {
  return Math.max(ERASURE_DELAY_MS, ERASURE_MIN_GAP_MS - sinceLastRewriteMs, ERASURE_PAUSE_FACTOR * lastRewriteMs - sinceLastRewriteMs);
}

/**
 * The committed version rows `v` of the names in array parameter `names`. The join with the
 * list (`v.name = d.name`) says the same, but is not an index condition: while the table's
 * statistics are missing or stale (a fresh replica, a table that has grown since autovacuum
 * last analysed it), the planner took it for small and joined by hash over every committed
 * row, 3,277 rows for a batch of 27 names 20 s into a bench (docs/benchmarks.md). `= ANY`
 * on the leading column of the committed index is one, whatever the statistics say.
 */
function committedNamed(names: string): string {
  return `v.state = 'committed' AND v.name = ANY(${names}::varchar[])`;
}

/**
 * Destroys the committed shares that `match` picks from `secret_version v` joined with
 * `source`: deletes their bytes (counted as erased) and marks their version rows, as two
 * parts of one statement built from the same source and condition, so that both find the
 * same rows.
 */
function destroying(source: string, match: string, params: unknown[]): Statement[] {
  return [
    statement([`DELETE FROM secret_share b USING secret_version v, ${source} WHERE b.version_id = v.id AND ${match}`, params], true),
    statement([`UPDATE secret_version v SET share_digest = NULL, state = 'destroyed', updated_at = now() FROM ${source} WHERE ${match}`, params]),
  ];
}

/**
 * Operations that read what an earlier kind in their wave writes: a re-split's
 * `destroyVersion` frees the (name, lifetime, version) that its `promote` then takes in
 * the unique index of committed versions, and `promoteHistory` looks at the committed
 * versions around its own. A wave with one of them runs kind after kind.
 */
const ORDERED_KINDS: ReadonlySet<ShareOp['kind']> = new Set(['destroyVersion', 'promoteHistory']);

/**
 * A wave's statements. Every other wave is one statement: its kinds change disjoint rows
 * (a wave touches a name through one command only; destroy takes the committed shares of
 * other lifetimes, close one of this lifetime, promote and drop prepared ones, and the
 * drop leaves out the wave's promoted shares), so they run on one snapshot as well as in
 * order, in one round trip where they took one each plus BEGIN and COMMIT.
 */
function waveStatements(wave: ShareOp[]): Statement[] {
  const promoted = wave.filter((op): op is Extract<ShareOp, { kind: 'promote' }> => op.kind === 'promote');
  const kinds = SHARE_OP_ORDER.flatMap((kind) => {
    const ops = wave.filter((op) => op.kind === kind);
    return ops.length > 0 ? [together(shareStatements(kind, ops, promoted))] : [];
  });
  return wave.some((op) => ORDERED_KINDS.has(op.kind)) ? kinds : [together(kinds)];
}

/**
 * The statements for every operation of one kind in a wave. A share's bytes and salt live
 * in `secret_share`, apart from its version row, so that erasing them rewrites only that
 * narrow table (docs/storage.md). An operation that destroys shares deletes their bytes
 * and changes their version rows in sibling statements: on one snapshot, both find the
 * same rows.
 */
function shareStatements(kind: ShareOp['kind'], ops: ShareOp[], promoted: Array<Extract<ShareOp, { kind: 'promote' }>>): Statement[] {
  const of = <K extends ShareOp['kind']>(k: K) => ops as Array<Extract<ShareOp, { kind: K }>>;
  switch (kind) {
    case 'destroy': {
      const list = of('destroy');
      return destroying(
        'unnest($1::varchar[], $2::uuid[]) AS d(name, keep)',
        `${committedNamed('$1')} AND v.name = d.name AND (d.keep IS NULL OR v.lifetime_id IS DISTINCT FROM d.keep)`,
        [list.map((o) => o.name), list.map((o) => o.keepLifetime)],
      );
    }
    case 'destroyVersion': {
      const list = of('destroyVersion');
      return destroying(
        'unnest($1::varchar[], $2::uuid[], $3::int[]) AS d(name, lifetime_id, version)',
        `${committedNamed('$1')} AND v.name = d.name AND v.lifetime_id = d.lifetime_id AND v.version = d.version`,
        [list.map((o) => o.name), list.map((o) => o.lifetimeId), list.map((o) => o.version)],
      );
    }
    case 'insert': {
      const rows = of('insert').map((o) => o.row);
      const ids = rows.map(() => randomUUID());
      return [
        statement([
          `INSERT INTO secret_version (id, name, lifetime_id, version, split_id, share_digest, manifest, valid_from, state, tx_id)
           SELECT id, name, lifetime_id, version, split_id, encode(sha256(salt || share), 'hex'), manifest, ${ts('valid_from')}, state, tx_id
             FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::int[], $5::uuid[], $6::bytea[], $7::bytea[], $8::bytea[], $9::float8[], $10::varchar[], $11::uuid[])
               AS r(id, name, lifetime_id, version, split_id, share, salt, manifest, valid_from, state, tx_id)`,
          [
            ids,
            rows.map((r) => r.name),
            rows.map((r) => r.lifetimeId),
            rows.map((r) => r.version),
            rows.map((r) => r.splitId),
            rows.map((r) => r.share),
            rows.map((r) => r.salt),
            rows.map((r) => packManifest(r.manifest)),
            rows.map((r) => r.validFrom),
            rows.map((r) => r.state),
            rows.map((r) => r.txId),
          ],
        ]),
        statement([
          `INSERT INTO secret_share (version_id, share, share_salt) SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::bytea[])`,
          [ids, rows.map((r) => r.share), rows.map((r) => r.salt)],
        ]),
      ];
    }
    case 'promote':
    case 'promoteHistory': {
      const list = ops as Array<Extract<ShareOp, { kind: 'promote' | 'promoteHistory' }>>;
      const history = kind === 'promoteHistory';
      return [
        statement([
          `UPDATE secret_version v
              SET lifetime_id = d.lifetime_id, version = d.version, valid_from = ${ts('d.valid_from')}, state = 'committed', updated_at = now(),
                  valid_to = ${
                    history
                      ? `(SELECT n.valid_from FROM secret_version n WHERE n.name = d.name AND n.lifetime_id = d.lifetime_id
                            AND n.state = 'committed' AND n.version > d.version ORDER BY n.version LIMIT 1)`
                      : 'NULL'
                  }
             FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::int[], $5::float8[]) AS d(tx_id, name, lifetime_id, version, valid_from)
            WHERE v.tx_id = d.tx_id AND v.name = d.name AND v.state = 'prepared'${
              history
                ? ` AND NOT EXISTS (SELECT 1 FROM secret_version c WHERE c.name = d.name AND c.lifetime_id = d.lifetime_id
                                       AND c.version = d.version AND c.state = 'committed')`
                : ''
            }`,
          [list.map((o) => o.txId), list.map((o) => o.name), list.map((o) => o.lifetimeId), list.map((o) => o.version), list.map((o) => o.validFrom)],
        ]),
      ];
    }
    case 'close': {
      const list = of('close');
      return [
        statement([
          `UPDATE secret_version v SET valid_to = ${ts('d.valid_to')}, updated_at = now()
             FROM unnest($1::varchar[], $2::uuid[], $3::int[], $4::float8[]) AS d(name, lifetime_id, version, valid_to)
            WHERE ${committedNamed('$1')} AND v.name = d.name AND v.lifetime_id = d.lifetime_id AND v.version = d.version`,
          [list.map((o) => o.name), list.map((o) => o.lifetimeId), list.map((o) => o.version), list.map((o) => o.validTo)],
        ]),
      ];
    }
    case 'dropPrepared': {
      // What the wave promotes is not dropped, even when both run on one snapshot.
      const kept = `NOT EXISTS (SELECT 1 FROM unnest($2::uuid[], $3::varchar[]) AS p(tx_id, name) WHERE p.tx_id = v.tx_id AND p.name = v.name)`;
      const params = [of('dropPrepared').map((o) => o.txId), promoted.map((o) => o.txId), promoted.map((o) => o.name)];
      return [
        statement([`DELETE FROM secret_share b USING secret_version v WHERE b.version_id = v.id AND v.tx_id = ANY($1::uuid[]) AND v.state = 'prepared' AND ${kept}`, params], true),
        statement([`DELETE FROM secret_version v WHERE v.tx_id = ANY($1::uuid[]) AND v.state = 'prepared' AND ${kept}`, params]),
      ];
    }
  }
}

async function rollback(client: PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // The connection is broken; the pool discards it.
  }
}
