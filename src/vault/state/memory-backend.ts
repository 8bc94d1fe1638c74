import { SplitManifest } from '../protocol';
import {
  FetchRow,
  HistoryRow,
  IdempotencyRow,
  idempotencyKey,
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

interface ShareRow {
  id: number;
  name: string;
  lifetimeId: string | null;
  version: number | null;
  splitId: string;
  share: Buffer | null;
  salt: Buffer | null;
  manifest: SplitManifest;
  validFrom: number | null;
  validTo: number | null;
  state: 'prepared' | 'committed' | 'destroyed';
  txId: string;
}

/**
 * The replica's rows in memory, for unit tests and the deterministic simulation. It keeps
 * the same rules as the Postgres backend (one committed share per name, lifetime and
 * version; destroyed shares lose their bytes), and applies a write wholly or not at all,
 * so a simulated crash never leaves half a transaction. The contract suite holds both to
 * the same behaviour.
 */
export class MemoryBackend implements StateBackend {
  private names = new Map<string, NameRow>();
  private txs = new Map<string, TxRow>();
  private idem = new Map<string, IdempotencyRow>();
  private shares = new Map<number, ShareRow>();
  private meta: ReplicaMeta | null = null;
  private nextShareId = 1;

  async init(fresh: (hasData: boolean) => ReplicaMeta): Promise<{ meta: ReplicaMeta; maxChangeSeq: number }> {
    this.meta ??= fresh(this.names.size > 0);
    const maxChangeSeq = Math.max(0, ...[...this.names.values()].map((r) => r.changeSeq));
    return { meta: { ...this.meta }, maxChangeSeq };
  }

  async load(keys: LoadKeys): Promise<Loaded> {
    const txs = keys.txIds.map((id) => this.txs.get(id)).filter((t): t is TxRow => Boolean(t));
    const lookedUp = [...new Set([...keys.names, ...txs.flatMap((t) => t.names)])];
    return {
      lookedUp,
      names: lookedUp.map((n) => this.names.get(n)).filter((r): r is NameRow => Boolean(r)).map((r) => ({ ...r })),
      txs: txs.map(copyTx),
      idempotency: keys.idempotency.map((ref) => this.idem.get(idempotencyKey(ref))).filter((r): r is IdempotencyRow => Boolean(r)),
    };
  }

  async write(writes: Writes): Promise<void> {
    // Copy on write: build the next state aside, check it, then swap it in.
    const shares = new Map(this.shares);
    let nextId = this.nextShareId;
    for (const wave of writes.shareWaves) {
      for (const kind of SHARE_OP_ORDER) {
        for (const op of wave.filter((o) => o.kind === kind)) nextId = applyShareOp(shares, op, nextId);
      }
    }
    assertOneCommittedShare(shares);

    const names = new Map(this.names);
    for (const row of writes.names) names.set(row.name, { ...row });
    const txs = new Map(this.txs);
    for (const tx of writes.txs) txs.set(tx.txId, copyTx(tx));
    for (const id of writes.forgetTxs) txs.delete(id);
    const idem = new Map(this.idem);
    for (const row of writes.idempotency) if (!idem.has(idempotencyKey(row))) idem.set(idempotencyKey(row), row);

    this.shares = shares;
    this.nextShareId = nextId;
    this.names = names;
    this.txs = txs;
    this.idem = idem;
    if (writes.meta) this.meta = { ...writes.meta };
  }

  async fetch(requests: Array<{ name: string; version?: number }>): Promise<FetchRow[]> {
    return requests.map(({ name, version }) => {
      const row = this.names.get(name) ?? null;
      if (!row) return { row: null, lock: null, share: null, next: null };
      const lock = this.lockOf(row);
      if (row.status !== 'live' || !row.lifetimeId) return { row: { ...row }, lock, share: null, next: null };
      const wanted = version ?? row.currentVersion;
      const committed = this.committed(name, row.lifetimeId);
      const found = committed.find((s) => s.version === wanted && s.share);
      const next = committed.filter((s) => s.version! > wanted).sort((a, b) => a.version! - b.version!)[0];
      return {
        row: { ...row },
        lock,
        share: found
          ? {
              lifetimeId: found.lifetimeId!,
              version: found.version!,
              splitId: found.splitId,
              share: Buffer.from(found.share!),
              salt: found.salt ? Buffer.from(found.salt) : null,
              manifest: found.manifest,
              validFrom: found.validFrom!,
              validTo: found.validTo,
            }
          : null,
        next: next ? { version: next.version!, validFrom: next.validFrom! } : null,
      };
    });
  }

  async history(name: string): Promise<HistoryRow> {
    const row = this.names.get(name) ?? null;
    if (!row) return { row: null, lock: null, versions: [] };
    const lock = this.lockOf(row);
    if (row.status !== 'live' || !row.lifetimeId) return { row: { ...row }, lock, versions: [] };
    const versions = this.committed(name, row.lifetimeId)
      .map((s) => ({ version: s.version!, validFrom: s.validFrom! }))
      .sort((a, b) => a.version - b.version);
    return { row: { ...row }, lock, versions };
  }

  async changes(afterSeq: number, limit: number): Promise<NameRow[]> {
    return [...this.names.values()]
      .filter((r) => r.changeSeq > afterSeq && r.status !== 'absent')
      .sort((a, b) => a.changeSeq - b.changeSeq)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  async snapshot(afterName: string, limit: number): Promise<Array<{ row: NameRow; lock: LockRow | null }>> {
    return [...this.names.values()]
      .filter((r) => r.name > afterName && (r.status !== 'absent' || r.lockTx !== null))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .slice(0, limit)
      .map((r) => ({ row: { ...r }, lock: this.lockOf(r) }));
  }

  async revisions(names: string[]): Promise<Map<string, number>> {
    return new Map(names.filter((n) => this.names.has(n)).map((n) => [n, this.names.get(n)!.revision]));
  }

  async inDoubt(now: number, limit: number): Promise<TxRow[]> {
    return [...this.txs.values()]
      .filter((t) => t.outcome === null && t.leaseExpiresAt !== null && t.leaseExpiresAt < now)
      .sort((a, b) => a.leaseExpiresAt! - b.leaseExpiresAt!)
      .slice(0, limit)
      .map(copyTx);
  }

  async purgeTransactions(before: number): Promise<number> {
    let purged = 0;
    for (const [id, tx] of this.txs) {
      const decidedLongAgo = tx.outcome !== null && (tx.decidedAt ?? 0) < before;
      const onlyPromised = tx.outcome === null && tx.leaseExpiresAt === null && tx.createdAt < before;
      if (decidedLongAgo || onlyPromised) {
        this.txs.delete(id);
        purged++;
      }
    }
    return purged;
  }

  async purgeIdempotency(before: number): Promise<number> {
    let purged = 0;
    for (const [key, row] of this.idem) {
      if (row.createdAt < before) {
        this.idem.delete(key);
        purged++;
      }
    }
    return purged;
  }

  async close(): Promise<void> {
    // Nothing to release.
  }

  /** Every share row (tests read them the way they would read the Postgres table). */
  shareRows(): ReadonlyArray<Readonly<ShareRow>> {
    return [...this.shares.values()];
  }

  /**
   * A copy of everything held, as a backup of a replica's database holds it: the
   * simulation restores replicas from these (test/sim/sim-node.ts).
   */
  backup(): MemoryBackend {
    const copy = new MemoryBackend();
    copy.names = new Map([...this.names].map(([name, row]) => [name, { ...row }]));
    copy.txs = new Map([...this.txs].map(([id, tx]) => [id, copyTx(tx)]));
    copy.idem = new Map(this.idem);
    copy.shares = new Map(this.shares);
    copy.meta = this.meta ? { ...this.meta } : null;
    copy.nextShareId = this.nextShareId;
    return copy;
  }

  /**
   * What the restore procedure's two statements do to a restored database (docs/model.md,
   * "Lost state"; test/e2e/restore.e2e-spec.ts runs them on Postgres): a state that
   * replaced another, whose unfinished transactions keep their locks and leases but no
   * vote, promise or acceptance.
   */
  markRestored(now: number): void {
    if (this.meta) this.meta = { ...this.meta, caughtUp: false, createdAt: now };
    for (const [id, tx] of this.txs) if (tx.outcome === null) this.txs.set(id, { ...tx, vote: null, promised: null, accepted: null });
  }

  /** Everything held, for tests and the simulation's end-of-run checks (locks left, plaintext scans). */
  dump(): { names: NameRow[]; txs: TxRow[]; idempotency: IdempotencyRow[]; shares: ReadonlyArray<Readonly<ShareRow>>; meta: ReplicaMeta | null } {
    return { names: [...this.names.values()], txs: [...this.txs.values()], idempotency: [...this.idem.values()], shares: this.shareRows(), meta: this.meta };
  }

  private lockOf(row: NameRow): LockRow | null {
    if (!row.lockTx) return null;
    const tx = this.txs.get(row.lockTx);
    return { txId: row.lockTx, coordinator: tx?.coordinator ?? 'unknown', createdAt: tx?.createdAt ?? 0, leaseExpiresAt: tx?.leaseExpiresAt ?? null };
  }

  private committed(name: string, lifetimeId: string): ShareRow[] {
    return [...this.shares.values()].filter((s) => s.name === name && s.lifetimeId === lifetimeId && s.state === 'committed');
  }
}

function applyShareOp(shares: Map<number, ShareRow>, op: ShareOp, nextId: number): number {
  const update = (predicate: (s: ShareRow) => boolean, change: (s: ShareRow) => Partial<ShareRow>) => {
    for (const [id, row] of shares) if (predicate(row)) shares.set(id, { ...row, ...change(row) });
  };
  const destroyed = { share: null, salt: null, state: 'destroyed' as const };
  switch (op.kind) {
    case 'destroy':
      update((s) => s.name === op.name && s.state === 'committed' && (op.keepLifetime === null || s.lifetimeId !== op.keepLifetime), () => destroyed);
      return nextId;
    case 'destroyVersion':
      update((s) => s.name === op.name && s.state === 'committed' && s.lifetimeId === op.lifetimeId && s.version === op.version, () => destroyed);
      return nextId;
    case 'insert':
      shares.set(nextId, { id: nextId, ...op.row, validTo: null, share: Buffer.from(op.row.share), salt: Buffer.from(op.row.salt) });
      return nextId + 1;
    case 'promote':
      update(
        (s) => s.txId === op.txId && s.name === op.name && s.state === 'prepared',
        () => ({ lifetimeId: op.lifetimeId, version: op.version, validFrom: op.validFrom, validTo: null, state: 'committed' }),
      );
      return nextId;
    case 'promoteHistory': {
      const rows = [...shares.values()];
      const taken = rows.some((s) => s.name === op.name && s.lifetimeId === op.lifetimeId && s.version === op.version && s.state === 'committed');
      if (taken) return nextId;
      const next = rows
        .filter((s) => s.name === op.name && s.lifetimeId === op.lifetimeId && s.state === 'committed' && s.version! > op.version)
        .sort((a, b) => a.version! - b.version!)[0];
      update(
        (s) => s.txId === op.txId && s.name === op.name && s.state === 'prepared',
        () => ({ lifetimeId: op.lifetimeId, version: op.version, validFrom: op.validFrom, validTo: next ? next.validFrom : null, state: 'committed' }),
      );
      return nextId;
    }
    case 'close':
      update((s) => s.name === op.name && s.lifetimeId === op.lifetimeId && s.version === op.version && s.state === 'committed', () => ({ validTo: op.validTo }));
      return nextId;
    case 'dropPrepared':
      for (const [id, row] of shares) if (row.txId === op.txId && row.state === 'prepared') shares.delete(id);
      return nextId;
  }
}

function assertOneCommittedShare(shares: Map<number, ShareRow>): void {
  const seen = new Set<string>();
  for (const s of shares.values()) {
    if (s.state !== 'committed') continue;
    const key = `${s.name}\n${s.lifetimeId}\n${s.version}`;
    if (seen.has(key)) throw new Error(`two committed shares of ${s.name} version ${s.version}`);
    seen.add(key);
  }
}

function copyTx(tx: TxRow): TxRow {
  return { ...tx, names: [...tx.names], shareNames: [...tx.shareNames] };
}
