import { Pool } from 'pg';
import { Batcher, Settled } from '../../common/batcher';

/**
 * One audit record (docs/security.md, "Audit"): who, what, the outcome. Names, ids and
 * codes only: never a value, never a token.
 */
export interface AuditEntry {
  time: number;
  /** `request`: written before a change is attempted; `response`: before the answer is sent. */
  stage: 'request' | 'response';
  requestId: string;
  tokenId: string | null;
  tokenName: string | null;
  /** The route, e.g. `PUT /v1/secrets/{name}`, or the method and path of an unrouted request. */
  operation: string;
  name: string | null;
  /** `.env` requests: the names created and resolved. */
  names: string[] | null;
  version: number | null;
  status: number | null;
  code: string | null;
  clientAddress: string | null;
  durationMs: number | null;
}

export interface AuditRecord extends Omit<AuditEntry, 'time'> {
  id: string;
  time: number;
}

export interface AuditFilter {
  from?: number;
  to?: number;
  tokenId?: string;
  name?: string;
  status?: number;
  outcome?: 'success' | 'client-error' | 'server-error';
  stage?: 'request' | 'response';
  /** Records after this id. */
  cursor?: string;
  limit: number;
}

/** Rows per INSERT at most. */
const MAX_BATCH = 500;
const PURGE_CHUNK = 10_000;

const COLUMNS = 'at, stage, request_id, token_id, token_name, operation, secret_name, names, version, status, code, client_address, duration_ms';

/**
 * This replica's append-only audit table. Records go through a group commit: those
 * submitted while an INSERT runs leave together in the next one (one INSERT, many rows),
 * one INSERT at a time so that ids follow submission order. `record` resolves once the
 * row is durable, and rejects if it could not be written.
 */
export class AuditLog {
  private readonly batcher: Batcher<AuditEntry, void>;
  readonly stats = { written: 0, failed: 0, batches: 0, purged: 0 };
  /** Sizes of recent batches, read (and cleared) by the metrics. */
  readonly batchSizes: number[] = [];

  constructor(private readonly pool: Pool) {
    this.batcher = new Batcher((entries) => this.insert(entries), { maxInFlight: 1, maxItems: MAX_BATCH });
  }

  record(entry: AuditEntry): Promise<void> {
    return this.batcher.submit(entry);
  }

  get queued(): number {
    return this.batcher.queued;
  }

  async query(filter: AuditFilter): Promise<{ records: AuditRecord[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.cursor !== undefined) where.push(`id > ${param(filter.cursor)}::bigint`);
    if (filter.from !== undefined) where.push(`at >= to_timestamp(${param(filter.from)}::float8 / 1000)`);
    if (filter.to !== undefined) where.push(`at < to_timestamp(${param(filter.to)}::float8 / 1000)`);
    if (filter.tokenId !== undefined) where.push(`token_id = ${param(filter.tokenId)}`);
    if (filter.name !== undefined) {
      const p = param(filter.name);
      where.push(`(secret_name = ${p} OR ${p} = ANY(names))`);
    }
    if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
    if (filter.outcome !== undefined) {
      const low = { success: 200, 'client-error': 400, 'server-error': 500 }[filter.outcome];
      where.push(`status >= ${low} AND status < ${low + 100}`);
    }
    if (filter.stage !== undefined) where.push(`stage = ${param(filter.stage)}`);
    const { rows } = await this.pool.query(
      `SELECT id::text AS id, (extract(epoch FROM at) * 1000)::float8 AS time, ${COLUMNS.replace('at, ', '')}
         FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY audit_log.id LIMIT ${param(filter.limit + 1)}`,
      params,
    );
    const records: AuditRecord[] = rows.slice(0, filter.limit).map((r) => ({
      id: r.id,
      time: Math.round(r.time),
      stage: r.stage,
      requestId: r.request_id,
      tokenId: r.token_id,
      tokenName: r.token_name,
      operation: r.operation,
      name: r.secret_name,
      names: r.names,
      version: r.version,
      status: r.status,
      code: r.code,
      clientAddress: r.client_address,
      durationMs: r.duration_ms,
    }));
    return { records, nextCursor: rows.length > filter.limit ? records[records.length - 1].id : null };
  }

  /** Deletes records older than `before` (ms), in chunks; the count deleted. */
  async purge(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < to_timestamp($1::float8 / 1000) ORDER BY audit_log.id LIMIT ${PURGE_CHUNK})`,
        [before],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_CHUNK) break;
    }
    this.stats.purged += total;
    return total;
  }

  private async insert(entries: AuditEntry[]): Promise<Array<Settled<void>>> {
    const column = <K extends keyof AuditEntry>(key: K) => entries.map((e) => e[key]);
    try {
      await this.pool.query(
        `INSERT INTO audit_log (${COLUMNS})
         SELECT to_timestamp(t / 1000), s, r, ti, tn, o, n, CASE WHEN ns IS NULL THEN NULL ELSE string_to_array(ns, ',') END, v, st, c, a, d
           FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[], $11::text[], $12::text[], $13::float8[])
             AS u(t, s, r, ti, tn, o, n, ns, v, st, c, a, d)`,
        [
          column('time'),
          column('stage'),
          column('requestId'),
          column('tokenId'),
          column('tokenName'),
          column('operation'),
          column('name'),
          entries.map((e) => (e.names ? e.names.join(',') : null)),
          column('version'),
          column('status'),
          column('code'),
          column('clientAddress'),
          column('durationMs'),
        ],
      );
    } catch (error) {
      this.stats.failed += entries.length;
      return entries.map((): Settled<void> => ({ ok: false, error }));
    }
    this.stats.written += entries.length;
    this.stats.batches++;
    if (this.batchSizes.length < 10_000) this.batchSizes.push(entries.length);
    return entries.map((): Settled<void> => ({ ok: true, value: undefined }));
  }
}
