import { FetchRow, NameRow, ShareInsert, ShareOp, Writes } from './model';

/** Transactions whose prepared shares are kept for their commit, and their bytes, at most. */
const MAX_PENDING_TXS = 10_000;
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

/**
 * What a share fetch of the latest version will read once a commit is applied, worked out
 * from the write itself, so that the writer can put it in the read cache instead of only
 * emptying it: without this, the first read of every new version costs a query on every
 * replica that serves it (docs/benchmarks.md).
 *
 * A prepared share is remembered (a copy of its bytes) until its transaction's outcome.
 * When a write promotes it to the newest version, and leaves the name live at exactly
 * that version with no lock, the row a fetch would read is that share with the promote's
 * validFrom, no validTo and no next version. Anything else is left to the next fetch from
 * storage: a lock, a name promoted twice or whose shares a later wave of the same write
 * changed again, a time with a fraction of a millisecond (storage rounds to microseconds),
 * a share prepared before a restart.
 */
export class CommittedShares {
  private readonly prepared = new Map<string, Map<string, ShareInsert>>();
  private bytes = 0;

  constructor(private readonly limits = { txs: MAX_PENDING_TXS, bytes: MAX_PENDING_BYTES }) {}

  /** Notes the write's prepared shares and returns the fetch rows its commits leave behind. */
  apply(writes: Writes): Array<{ name: string; version: number; row: FetchRow }> {
    type Promote = Extract<ShareOp, { kind: 'promote' }>;
    const promotes = new Map<string, { op: Promote; wave: number } | null>();
    /** The last wave that destroyed or placed a committed share of each name. */
    const lastChange = new Map<string, number>();
    const ended = new Set<string>([...writes.forgetTxs, ...writes.txs.filter((tx) => tx.outcome !== null).map((tx) => tx.txId)]);
    writes.shareWaves.forEach((wave, index) => {
      for (const op of wave) {
        if (op.kind === 'insert' && op.row.state === 'prepared') this.remember(op.row);
        // A name promoted twice in one write is left alone.
        if (op.kind === 'promote') promotes.set(op.name, promotes.has(op.name) ? null : { op, wave: index });
        if (op.kind === 'destroy' || op.kind === 'destroyVersion' || op.kind === 'promoteHistory') lastChange.set(op.name, index);
        if (op.kind === 'dropPrepared') ended.add(op.txId);
      }
    });
    const rows = new Map(writes.names.map((row) => [row.name, row]));
    const warmed: Array<{ name: string; version: number; row: FetchRow }> = [];
    for (const [name, promoted] of promotes) {
      // A later wave that changed the name's committed shares again (a re-split applied
      // right after) leaves storage with something else.
      if (!promoted || (lastChange.get(name) ?? -1) > promoted.wave) continue;
      const promote = promoted.op;
      const share = this.prepared.get(promote.txId)?.get(name);
      const row = rows.get(name);
      if (!share || !row || !isLatest(row, promote) || !Number.isInteger(promote.validFrom)) continue;
      warmed.push({
        name,
        version: promote.version,
        row: {
          row: { ...row },
          lock: null,
          share: {
            lifetimeId: promote.lifetimeId,
            version: promote.version,
            splitId: share.splitId,
            share: share.share,
            salt: share.salt,
            manifest: share.manifest,
            validFrom: promote.validFrom,
            validTo: null,
          },
          next: null,
        },
      });
    }
    // Dropped, decided or forgotten: nothing will promote these shares any more.
    for (const txId of ended) this.forget(txId);
    return warmed;
  }

  /** Transactions kept, and the bytes of their shares. */
  get size(): { txs: number; bytes: number } {
    return { txs: this.prepared.size, bytes: this.bytes };
  }

  private remember(insert: ShareInsert): void {
    if (!this.prepared.has(insert.txId)) this.prepared.set(insert.txId, new Map());
    // A copy: the caller's buffer may be wiped once its write is done.
    const kept = { ...insert, share: Buffer.from(insert.share), salt: Buffer.from(insert.salt) };
    const shares = this.prepared.get(insert.txId)!;
    const replaced = shares.get(insert.name);
    if (replaced) this.bytes -= replaced.share.length;
    shares.set(insert.name, kept);
    this.bytes += kept.share.length;
    // Over a bound, the oldest transactions lose theirs: their first read goes to storage.
    while (this.prepared.size > this.limits.txs || this.bytes > this.limits.bytes) {
      const oldest = this.prepared.keys().next().value;
      if (oldest === undefined || oldest === insert.txId) break;
      this.forget(oldest);
    }
  }

  private forget(txId: string): void {
    for (const share of this.prepared.get(txId)?.values() ?? []) this.bytes -= share.share.length;
    this.prepared.delete(txId);
  }
}

function isLatest(row: NameRow, promote: { lifetimeId: string; version: number }): boolean {
  return row.status === 'live' && row.lockTx === null && row.lifetimeId === promote.lifetimeId && row.currentVersion === promote.version;
}
