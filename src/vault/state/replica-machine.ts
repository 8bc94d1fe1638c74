import { AcceptReply, acceptRule, PromiseReply, promiseRule } from '../../coordination/commit/acceptor';
import { Ballot, Outcome } from '../../coordination/commit/ballot';
import { TxHeader } from '../../coordination/commit/participant';
import { shareDigest, shareX } from '../../shamir';
import { CommitDecision, DecidedItem, NameSync, NameView, OPS_WITH_SHARE, PrepareInfo, PreparePayload } from '../protocol';
import {
  absentRow,
  IdempotencyRow,
  idempotencyKey,
  LoadKeys,
  Loaded,
  NameRow,
  ReplicaMeta,
  ShareOp,
  TxRow,
  viewOf,
  Writes,
} from './model';

/**
 * A transaction begun less than this before a replica's state began may have been
 * prepared or accepted on the state that was lost, so that replica does not answer for
 * it (clocks of replicas agree to within the peer-signature window, 30 s).
 */
export const STATE_LOSS_MARGIN_MS = 30_000;

/**
 * How long a replica remembers a settled transaction (and a promise for one it never
 * saw). Past that, nobody may still ask about it except a replica that was away longer,
 * which then drops it locally (abandon) instead of settling it.
 */
export const TX_RETENTION_MS = 24 * 60 * 60 * 1000;

export type Vote = { yes: boolean; reason?: string; info: PrepareInfo };

/** One step for the group commit: what it needs loaded, and what it does to the batch. */
export type Command =
  | { kind: 'prepare'; header: TxHeader; payload: PreparePayload; lockTtlMs: number }
  | { kind: 'promise'; header: TxHeader; ballot: Ballot }
  | { kind: 'accept'; header: TxHeader; ballot: Ballot; value: Outcome; decision: CommitDecision | null; lockTtlMs: number }
  | { kind: 'decide'; header: TxHeader; outcome: Outcome; decision: CommitDecision | null }
  | { kind: 'abandon'; header: TxHeader }
  | { kind: 'sync'; names: NameSync[] }
  | { kind: 'adopt'; names: Array<{ name: string; view: NameView; lock: { txId: string; coordinator: string; createdAt: number } | null }>; lockTtlMs: number }
  /** `lostNothing`: the cluster held no state at all, so this replica cannot have lost any (a new cluster). */
  | { kind: 'caughtUp'; lostNothing: boolean };

export type CommandResult = Vote | PromiseReply | AcceptReply | number | void;

/**
 * The rows one group-commit batch works on, and what it will write. Share operations are
 * grouped into waves: a new wave starts when a command touches a name that another
 * command of the current wave touched, so a backend may run each wave's operations of one
 * kind as one statement without two of them meeting on a row.
 */
class Batch {
  private readonly names = new Map<string, NameRow>();
  private readonly lookedUp: ReadonlySet<string>;
  private readonly txs = new Map<string, TxRow>();
  private readonly idem = new Map<string, IdempotencyRow>();
  private readonly dirtyNames = new Set<string>();
  private readonly dirtyTxs = new Set<string>();
  private readonly forgotten = new Set<string>();
  private readonly newIdem: IdempotencyRow[] = [];
  private readonly waves: ShareOp[][] = [[]];
  private readonly waveOwners = new Map<string, number>();
  /** Names whose share rows this batch changes (for the read cache). */
  private readonly shareNames = new Set<string>();
  private command = 0;
  meta: ReplicaMeta;
  metaChanged = false;

  constructor(
    loaded: Loaded,
    meta: ReplicaMeta,
    private seq: number,
  ) {
    this.lookedUp = new Set(loaded.lookedUp);
    for (const row of loaded.names) this.names.set(row.name, { ...row });
    for (const tx of loaded.txs) this.txs.set(tx.txId, { ...tx, names: [...tx.names], shareNames: [...tx.shareNames] });
    for (const row of loaded.idempotency) this.idem.set(idempotencyKey(row), row);
    this.meta = { ...meta };
  }

  nextCommand(): void {
    this.command++;
  }

  name(name: string): NameRow {
    let row = this.names.get(name);
    if (!row) {
      // A row never loaded is not known to be absent: writing it would overwrite the real one.
      if (!this.lookedUp.has(name)) throw new Error(`name ${name} used by a command without being loaded`);
      row = absentRow(name);
      this.names.set(name, row);
    }
    return row;
  }

  touchName(row: NameRow, changedState: boolean): void {
    if (changedState) row.changeSeq = ++this.seq;
    this.dirtyNames.add(row.name);
  }

  tx(txId: string): TxRow | undefined {
    return this.forgotten.has(txId) ? undefined : this.txs.get(txId);
  }

  putTx(tx: TxRow): void {
    this.forgotten.delete(tx.txId);
    this.txs.set(tx.txId, tx);
    this.dirtyTxs.add(tx.txId);
  }

  forgetTx(txId: string): void {
    this.txs.delete(txId);
    this.dirtyTxs.delete(txId);
    this.forgotten.add(txId);
  }

  idempotency(scope: string, key: string): IdempotencyRow | undefined {
    return this.idem.get(idempotencyKey({ scope, key }));
  }

  addIdempotency(row: IdempotencyRow): void {
    if (this.idem.has(idempotencyKey(row))) return;
    this.idem.set(idempotencyKey(row), row);
    this.newIdem.push(row);
  }

  share(names: string[], op: ShareOp): void {
    if (names.some((n) => (this.waveOwners.get(n) ?? this.command) !== this.command)) {
      this.waves.push([]);
      this.waveOwners.clear();
    }
    for (const n of names) {
      this.waveOwners.set(n, this.command);
      this.shareNames.add(n);
    }
    this.waves[this.waves.length - 1].push(op);
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Every name whose row, lock, transaction or shares this batch changes. */
  changedNames(): Set<string> {
    const changed = new Set([...this.dirtyNames, ...this.shareNames]);
    for (const id of this.dirtyTxs) for (const n of this.txs.get(id)!.names) changed.add(n);
    return changed;
  }

  writes(): Writes {
    return {
      names: [...this.dirtyNames].map((n) => this.names.get(n)!),
      txs: [...this.dirtyTxs].map((id) => this.txs.get(id)!),
      forgetTxs: [...this.forgotten],
      idempotency: this.newIdem,
      shareWaves: this.waves.filter((wave) => wave.length > 0),
      meta: this.metaChanged ? this.meta : null,
    };
  }
}

/**
 * Every rule that changes a replica's state, written once over plain rows: taking locks
 * and storing prepared shares, the acceptor side of each transaction's consensus, applying
 * a chosen outcome, adopting newer views. Both storage backends run exactly this code.
 */
export class ReplicaMachine {
  constructor(
    private readonly selfId: string,
    private readonly now: () => number,
  ) {}

  keysOf(commands: Command[]): LoadKeys {
    const names = new Set<string>();
    const txIds = new Set<string>();
    const idempotency = new Map<string, { scope: string; key: string }>();
    for (const command of commands) {
      switch (command.kind) {
        case 'prepare':
          command.payload.items.forEach((i) => names.add(i.name));
          txIds.add(command.header.txId);
          if (command.payload.idempotency) idempotency.set(idempotencyKey(command.payload.idempotency), command.payload.idempotency);
          break;
        case 'promise':
        case 'accept':
        case 'decide':
        case 'abandon':
          command.header.names.forEach((n) => names.add(n));
          if (command.kind === 'accept' || command.kind === 'decide') command.decision?.items.forEach((i) => names.add(i.name));
          txIds.add(command.header.txId);
          if (command.kind === 'decide' && command.decision?.idempotency) {
            idempotency.set(idempotencyKey(command.decision.idempotency), command.decision.idempotency);
          }
          break;
        case 'sync':
          command.names.forEach((n) => names.add(n.name));
          break;
        case 'adopt':
          command.names.forEach((n) => {
            names.add(n.name);
            if (n.lock) txIds.add(n.lock.txId);
          });
          break;
        case 'caughtUp':
          break;
      }
    }
    return { names: [...names], txIds: [...txIds], idempotency: [...idempotency.values()] };
  }

  /** Runs the commands in order on the loaded rows; returns their results and the writes. */
  run(commands: Command[], loaded: Loaded, meta: ReplicaMeta, seq: number): { results: CommandResult[]; writes: Writes; changed: Set<string>; meta: ReplicaMeta; seq: number } {
    const batch = new Batch(loaded, meta, seq);
    const results = commands.map((command) => {
      batch.nextCommand();
      return this.apply(batch, command);
    });
    return { results, writes: batch.writes(), changed: batch.changedNames(), meta: batch.meta, seq: batch.lastSeq };
  }

  private apply(batch: Batch, command: Command): CommandResult {
    switch (command.kind) {
      case 'prepare':
        return this.prepare(batch, command.header, command.payload, command.lockTtlMs);
      case 'promise':
        return this.promise(batch, command.header, command.ballot);
      case 'accept':
        return this.accept(batch, command.header, command.ballot, command.value, command.decision, command.lockTtlMs);
      case 'decide':
        return this.decide(batch, command.header, command.outcome, command.decision);
      case 'abandon':
        return this.abandon(batch, command.header);
      case 'sync':
        return this.sync(batch, command.names);
      case 'adopt':
        return this.adopt(batch, command.names, command.lockTtlMs);
      case 'caughtUp':
        // With nothing anywhere, no transaction was ever prepared on a state of this replica
        // that it no longer has: it may answer for every transaction (see acceptorRecord).
        batch.meta = { ...batch.meta, caughtUp: true, ...(command.lostNothing ? { createdAt: 0 } : {}) };
        batch.metaChanged = true;
        return;
    }
  }

  // ---- voting -----------------------------------------------------------------------

  /**
   * Votes on a prepare. Yes takes every name's lock and stores this replica's shares as
   * prepared, durably, before the vote is sent. The vote carries this replica's committed
   * views either way: the coordinator decides existence from a quorum of them.
   */
  private prepare(batch: Batch, header: TxHeader, payload: PreparePayload, lockTtlMs: number): Vote {
    const rows = payload.items.map((item) => batch.name(item.name));
    const locked = rows.filter((r) => r.lockTx !== null && r.lockTx !== header.txId).map((r) => r.name);
    const recorded = payload.idempotency ? batch.idempotency(payload.idempotency.scope, payload.idempotency.key) : undefined;
    const info: PrepareInfo = {
      views: Object.fromEntries(rows.map((r) => [r.name, viewOf(r)])),
      locked,
      ...(recorded ? { idempotency: { requestHash: recorded.requestHash, response: recorded.response } } : {}),
    };
    if (!batch.meta.caughtUp) return { yes: false, reason: 'catching-up', info };
    const known = batch.tx(header.txId);
    // A repeated prepare gets the same vote; one that arrives after the transaction was
    // settled or a recovery began here (its abort overtook it) may no longer lock anything.
    if (known) return known.vote === 'yes' && !known.outcome ? { yes: true, info } : { yes: false, reason: 'aborted', info };
    if (locked.length > 0) return { yes: false, reason: 'locked', info };
    if (recorded) return { yes: false, reason: 'already-done', info };
    const withShares = payload.items.filter((i) => OPS_WITH_SHARE.has(i.op));
    if (withShares.some((i) => !i.share || !this.ownShareMatches(i.share))) return { yes: false, reason: 'bad-share', info };

    for (const row of rows) {
      row.lockTx = header.txId;
      batch.touchName(row, false);
    }
    for (const item of withShares) {
      const share = item.share!;
      batch.share([item.name], {
        kind: 'insert',
        row: {
          name: item.name,
          lifetimeId: null,
          version: null,
          splitId: share.splitId,
          share: Buffer.from(share.data, 'base64'),
          salt: Buffer.from(share.salt, 'base64'),
          manifest: share.manifest,
          validFrom: null,
          state: 'prepared',
          txId: header.txId,
        },
      });
    }
    batch.putTx({
      ...this.newTx(header),
      shareNames: withShares.map((i) => i.name),
      vote: 'yes',
      leaseExpiresAt: this.now() + lockTtlMs,
    });
    return { yes: true, info };
  }

  private ownShareMatches(share: { data: string; salt: string; manifest: Record<string, { x: number; digest: string }> }): boolean {
    const mine = share.manifest[this.selfId];
    const bytes = Buffer.from(share.data, 'base64');
    return Boolean(mine) && bytes.length > 1 && shareX(bytes) === mine.x && shareDigest(bytes, Buffer.from(share.salt, 'base64')) === mine.digest;
  }

  // ---- the acceptor -------------------------------------------------------------------

  private promise(batch: Batch, header: TxHeader, ballot: Ballot): PromiseReply {
    const tx = this.acceptorRecord(batch, header);
    if ('refused' in tx) return { kind: 'refused', reason: tx.refused };
    if (tx.outcome) return { kind: 'decided', outcome: tx.outcome, decision: asRecord(tx.decision) };
    const next = promiseRule(tx, ballot);
    if (!next.ok) return { kind: 'nack', promised: tx.promised! };
    batch.putTx({ ...tx, promised: next.state.promised });
    return { kind: 'promised', accepted: tx.accepted, decision: tx.accepted?.value === 'commit' ? asRecord(tx.decision) : null };
  }

  /**
   * Accepting commit takes (or keeps) the decision's locks until the outcome is applied:
   * a replica that accepted a commit that may be chosen must not look unlocked to a reader
   * or vote yes for another write of those names.
   */
  private accept(batch: Batch, header: TxHeader, ballot: Ballot, value: Outcome, decision: CommitDecision | null, lockTtlMs: number): AcceptReply {
    const tx = this.acceptorRecord(batch, header);
    if ('refused' in tx) return { kind: 'refused', reason: tx.refused };
    if (tx.outcome) return { kind: 'decided', outcome: tx.outcome, decision: asRecord(tx.decision) };
    const next = acceptRule(tx, ballot, value);
    if (!next.ok) return { kind: 'nack', promised: tx.promised, reason: 'promised-higher' };
    const updated: TxRow = { ...tx, promised: next.state.promised, accepted: next.state.accepted };
    if (value === 'commit') {
      if (!decision) throw new Error('accept(commit) without its decision');
      const rows = decision.items.map((i) => batch.name(i.name));
      if (rows.some((r) => r.lockTx !== null && r.lockTx !== header.txId)) return { kind: 'nack', promised: tx.promised, reason: 'locked' };
      for (const row of rows) {
        if (row.lockTx === header.txId) continue;
        row.lockTx = header.txId;
        batch.touchName(row, false);
      }
      updated.names = unique([...tx.names, ...rows.map((r) => r.name)]);
      updated.decision = decision;
      updated.leaseExpiresAt = this.now() + lockTtlMs;
    }
    batch.putTx(updated);
    return { kind: 'accepted' };
  }

  /** This replica's record of the transaction, new if unknown, unless it may not answer for it. */
  private acceptorRecord(batch: Batch, header: TxHeader): TxRow | { refused: string } {
    if (!batch.meta.caughtUp) return { refused: 'catching-up' };
    const known = batch.tx(header.txId);
    // createdAt 0: this state is known to have lost nothing (see the caughtUp command).
    const mayPredateState = batch.meta.createdAt > 0 && header.createdAt < batch.meta.createdAt + STATE_LOSS_MARGIN_MS;
    // A record answers for what this state itself did: an outcome (final wherever it was
    // learnt), or a vote, promise or acceptance of its own. A record it holds only because
    // it adopted the transaction's lock from its peers while catching up (or that a restore
    // left so: docs/model.md, "Lost state") knows nothing of what the state it replaced
    // promised or accepted: answering "nothing accepted" from it could let a settler choose
    // abort where the lost state helped choose commit. For a transaction that may predate
    // this state, such a record counts as none.
    if (known && (known.outcome || known.vote !== null || known.promised !== null || known.accepted !== null || !mayPredateState)) return known;
    if (mayPredateState) return { refused: 'state-lost' };
    // Settled and forgotten here, maybe: answering "nothing accepted" could contradict the outcome.
    if (header.createdAt < this.now() - TX_RETENTION_MS) return { refused: 'too-old' };
    return this.newTx(header);
  }

  // ---- outcomes -----------------------------------------------------------------------

  /** Applies a chosen outcome: idempotent, and for a transaction this replica never saw too. */
  private decide(batch: Batch, header: TxHeader, outcome: Outcome, decision: CommitDecision | null): void {
    const known = batch.tx(header.txId);
    if (known?.outcome) return;
    const tx = known ?? this.newTx(header);
    if (outcome === 'commit') {
      if (!decision) throw new Error('a commit outcome without its decision');
      const sorted = [...decision.items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const item of sorted) {
        if (item.op === 'check') continue;
        const hasShare = tx.vote === 'yes' && tx.shareNames.includes(item.name);
        this.applyItem(batch, header.txId, item, batch.name(item.name), hasShare);
      }
      if (decision.idempotency) {
        const { scope, key, requestHash, response } = decision.idempotency;
        batch.addIdempotency({ scope, key, requestHash, response, txId: header.txId, createdAt: this.now() });
      }
    }
    this.release(batch, header.txId, [...tx.names, ...header.names, ...(decision?.items.map((i) => i.name) ?? [])]);
    if (tx.shareNames.length > 0) batch.share(tx.shareNames, { kind: 'dropPrepared', txId: header.txId });
    batch.putTx({ ...tx, outcome, decidedAt: this.now(), decision: outcome === 'commit' ? decision : tx.decision, leaseExpiresAt: null });
  }

  private applyItem(batch: Batch, txId: string, item: DecidedItem, row: NameRow, hasShare: boolean): void {
    if (item.op === 'resplit') return this.applyResplit(batch, txId, item, row, hasShare);
    if (item.revision > row.revision) {
      if (item.op === 'delete') {
        this.applyView(batch, row, {
          lifetimeId: item.lifetimeId ?? row.lifetimeId,
          revision: item.revision,
          status: 'deleted',
          currentVersion: item.version,
          lastValidFrom: Math.max(item.at, row.lastValidFrom ?? 0),
          deletedAt: item.at,
        });
        return;
      }
      const lifetimeId = item.lifetimeId!;
      if (row.lifetimeId !== lifetimeId) batch.share([row.name], { kind: 'destroy', name: row.name, keepLifetime: lifetimeId });
      if (hasShare) batch.share([row.name], { kind: 'promote', txId, name: row.name, lifetimeId, version: item.version, validFrom: item.at });
      if (item.version > 1) batch.share([row.name], { kind: 'close', name: row.name, lifetimeId, version: item.version - 1, validTo: item.at });
      this.setView(batch, row, liveView(item));
      return;
    }
    // Older than this replica's state (it caught up another way): keep the share if it is still history.
    const belongs =
      hasShare && (item.op === 'create' || item.op === 'update') && row.status === 'live' && row.lifetimeId === item.lifetimeId && item.version <= row.currentVersion;
    if (belongs) {
      batch.share([row.name], { kind: 'promoteHistory', txId, name: row.name, lifetimeId: item.lifetimeId!, version: item.version, validFrom: item.at });
    }
  }

  /**
   * A new split of the current version (read repair): the revision and version stay; every
   * replica that applies it drops its share of the old split and, if it voted, keeps its
   * share of the new one. A replica whose state moved on ignores it.
   */
  private applyResplit(batch: Batch, txId: string, item: DecidedItem, row: NameRow, hasShare: boolean): void {
    if (item.revision < row.revision) return;
    const lifetimeId = item.lifetimeId!;
    if (item.revision > row.revision) this.applyView(batch, row, liveView(item));
    else batch.share([row.name], { kind: 'destroyVersion', name: row.name, lifetimeId, version: item.version });
    if (hasShare) batch.share([row.name], { kind: 'promote', txId, name: row.name, lifetimeId, version: item.version, validFrom: item.at });
  }

  /**
   * Forgets a transaction too old for any peer to still know (see docs/model.md, "Stale
   * transactions"): its locks and prepared shares go, and no outcome is claimed for it.
   */
  private abandon(batch: Batch, header: TxHeader): void {
    const tx = batch.tx(header.txId);
    if (!tx || tx.outcome) return;
    this.release(batch, header.txId, [...tx.names, ...header.names]);
    if (tx.shareNames.length > 0) batch.share(tx.shareNames, { kind: 'dropPrepared', txId: header.txId });
    batch.forgetTx(header.txId);
  }

  private release(batch: Batch, txId: string, names: string[]): void {
    for (const name of unique(names)) {
      const row = batch.name(name);
      if (row.lockTx !== txId) continue;
      row.lockTx = null;
      batch.touchName(row, false);
    }
  }

  // ---- catching up --------------------------------------------------------------------

  /** Adopts views newer than this replica's own (a tombstone, a new lifetime, ...). */
  private sync(batch: Batch, names: NameSync[]): number {
    let applied = 0;
    for (const { name, view } of names) {
      const row = batch.name(name);
      if (view.revision > row.revision) {
        this.applyView(batch, row, view);
        applied++;
      }
    }
    return applied;
  }

  /**
   * Rebuilding lost state from peers: newer views, and the locks of their unfinished
   * transactions, which this replica then holds (and settles) like its own.
   */
  private adopt(batch: Batch, names: Array<{ name: string; view: NameView; lock: { txId: string; coordinator: string; createdAt: number } | null }>, lockTtlMs: number): number {
    const applied = this.sync(batch, names);
    for (const { name, lock } of names) {
      if (!lock) continue;
      const row = batch.name(name);
      const known = batch.tx(lock.txId);
      if (known?.outcome) continue;
      if (row.lockTx !== null && row.lockTx !== lock.txId) continue;
      row.lockTx = lock.txId;
      batch.touchName(row, false);
      const tx = known ?? this.newTx({ txId: lock.txId, coordinator: lock.coordinator, createdAt: lock.createdAt, names: [] });
      batch.putTx({ ...tx, names: unique([...tx.names, name]), leaseExpiresAt: tx.leaseExpiresAt ?? this.now() + lockTtlMs });
    }
    return applied;
  }

  // ---- views --------------------------------------------------------------------------

  /** Moves the row to `view` and destroys every share the view rules out. */
  private applyView(batch: Batch, row: NameRow, view: NameView): void {
    if (view.status === 'deleted') batch.share([row.name], { kind: 'destroy', name: row.name, keepLifetime: null });
    else if (view.status === 'live') batch.share([row.name], { kind: 'destroy', name: row.name, keepLifetime: view.lifetimeId });
    this.setView(batch, row, view);
  }

  private setView(batch: Batch, row: NameRow, view: NameView): void {
    row.lifetimeId = view.lifetimeId;
    row.revision = view.revision;
    row.status = view.status;
    row.currentVersion = view.currentVersion;
    row.lastValidFrom = view.lastValidFrom;
    row.deletedAt = view.deletedAt;
    batch.touchName(row, true);
  }

  private newTx(header: TxHeader): TxRow {
    return {
      txId: header.txId,
      coordinator: header.coordinator,
      createdAt: header.createdAt,
      names: [...header.names],
      shareNames: [],
      vote: null,
      leaseExpiresAt: null,
      promised: null,
      accepted: null,
      decision: null,
      outcome: null,
      decidedAt: null,
    };
  }
}

/** The committed view a replica ends up with after applying a create, update or resplit. */
export function liveView(item: DecidedItem): NameView {
  return { lifetimeId: item.lifetimeId ?? null, revision: item.revision, status: 'live', currentVersion: item.version, lastValidFrom: item.at, deletedAt: null };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function asRecord(decision: CommitDecision | null): Record<string, unknown> | null {
  return decision as unknown as Record<string, unknown> | null;
}
