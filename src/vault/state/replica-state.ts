import { AcceptReply, PromiseReply } from '../../coordination/commit/acceptor';
import { Ballot, Outcome } from '../../coordination/commit/ballot';
import { TxHeader } from '../../coordination/commit/participant';
import { Batcher, Settled } from '../../common/batcher';
import { Clock } from '../../common/clock';
import { Ids } from '../../common/ids';
import {
  ChangesAnswer,
  CommitDecision,
  FetchShareAnswer,
  FetchShareRequest,
  HistoryAnswer,
  LockInfo,
  NameSync,
  NameView,
  PreparePayload,
  SnapshotAnswer,
} from '../protocol';
import { CommittedShares } from './committed-shares';
import { FetchRow, LockRow, ReplicaMeta, StateBackend, viewOf } from './model';
import { ReadCache } from './read-cache';
import { Command, CommandResult, ReplicaMachine, Vote } from './replica-machine';

/** The injection token of this replica's state (docs/storage.md). */
export const REPLICA_STATE = Symbol('REPLICA_STATE');

/**
 * This replica's authoritative state: the port every use case and protocol role goes
 * through. One implementation (StateStore) over two backends, Postgres and in memory; one
 * contract suite (replica-state.contract.ts) runs against both.
 */
export interface ReplicaState {
  readonly selfId: string;
  /** Loads (or creates) the replica's meta record; call once before anything else. */
  start(): Promise<void>;
  meta(): ReplicaMeta;

  prepare(header: TxHeader, payload: PreparePayload, lockTtlMs: number): Promise<Vote>;
  promise(header: TxHeader, ballot: Ballot): Promise<PromiseReply>;
  accept(header: TxHeader, ballot: Ballot, value: Outcome, decision: CommitDecision | null, lockTtlMs: number): Promise<AcceptReply>;
  decide(header: TxHeader, outcome: Outcome, decision: CommitDecision | null): Promise<void>;
  abandon(header: TxHeader): Promise<void>;
  sync(names: NameSync[]): Promise<number>;
  adopt(names: SnapshotAnswer['names'], lockTtlMs: number): Promise<number>;
  /** `lostNothing`: no replica held any state (a new cluster), so this one lost none either. */
  markCaughtUp(lostNothing: boolean): Promise<void>;

  fetch(request: FetchShareRequest): Promise<FetchShareAnswer>;
  history(name: string): Promise<HistoryAnswer>;
  changes(afterSeq: number, limit: number): Promise<ChangesAnswer>;
  snapshot(afterName: string, limit: number): Promise<SnapshotAnswer>;
  /** The entries whose revision is above this replica's own for the name. */
  newerThanLocal(changes: NameSync[]): Promise<NameSync[]>;
  inDoubt(limit: number): Promise<TxHeader[]>;
  purge(transactionsBefore: number, idempotencyBefore: number): Promise<void>;
  close(): Promise<void>;
}

/** Commands applied per database transaction at most (the group commit's batch). */
const MAX_COMMANDS_PER_BATCH = 256;
/**
 * Reads of share rows per query, and queries at once. One at a time: the fetches that
 * queue meanwhile leave together, and a query costs Postgres about as much for one row as
 * for several (measured: uncached reads went from about 550/s to 640/s, docs/benchmarks.md).
 */
const MAX_FETCHES_PER_QUERY = 256;
const FETCH_QUERIES_IN_FLIGHT = 1;

/**
 * The replica's state over a backend. Every change goes through ONE writer, a group
 * commit: commands that arrive while a database transaction runs wait and are applied
 * together in the next one (one transaction, one WAL flush, for many prepares, accepts
 * and outcomes). Nothing is answered before its transaction committed. Reads bypass the
 * writer and see whole transactions only; share fetches are served from a cache that the
 * writer keeps exact (read-cache.ts) and fills with the newest version each commit leaves
 * (committed-shares.ts), so changes made to the database behind the replica's back (a
 * test corrupting a share) are seen after a restart.
 */
export class StateStore implements ReplicaState {
  private readonly machine: ReplicaMachine;
  private readonly writer: Batcher<Command, CommandResult>;
  private readonly reader: Batcher<FetchShareRequest, FetchRow>;
  /** What fetches read, kept while nothing changes it (see read-cache.ts). */
  readonly cache = new ReadCache();
  private readonly committed = new CommittedShares();
  private currentMeta: ReplicaMeta | null = null;
  private seq = 0;

  constructor(
    private readonly backend: StateBackend,
    readonly selfId: string,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {
    this.machine = new ReplicaMachine(selfId, () => clock.now());
    this.writer = new Batcher((commands) => this.applyBatch(commands), { maxInFlight: 1, maxItems: MAX_COMMANDS_PER_BATCH });
    this.reader = new Batcher(
      async (requests) => (await backend.fetch(requests)).map((value): Settled<FetchRow> => ({ ok: true, value })),
      { maxInFlight: FETCH_QUERIES_IN_FLIGHT, maxItems: MAX_FETCHES_PER_QUERY },
    );
  }

  async start(): Promise<void> {
    const { meta, maxChangeSeq } = await this.backend.init((hasData) => ({
      incarnationId: this.ids.uuid(),
      // State carried over from before this record existed is not a fresh start.
      createdAt: hasData ? 0 : this.clock.now(),
      caughtUp: hasData,
    }));
    this.currentMeta = meta;
    this.seq = maxChangeSeq;
  }

  meta(): ReplicaMeta {
    if (!this.currentMeta) throw new Error('replica state used before start()');
    return this.currentMeta;
  }

  prepare(header: TxHeader, payload: PreparePayload, lockTtlMs: number): Promise<Vote> {
    return this.submit<Vote>({ kind: 'prepare', header, payload, lockTtlMs });
  }

  promise(header: TxHeader, ballot: Ballot): Promise<PromiseReply> {
    return this.submit<PromiseReply>({ kind: 'promise', header, ballot });
  }

  accept(header: TxHeader, ballot: Ballot, value: Outcome, decision: CommitDecision | null, lockTtlMs: number): Promise<AcceptReply> {
    return this.submit<AcceptReply>({ kind: 'accept', header, ballot, value, decision, lockTtlMs });
  }

  decide(header: TxHeader, outcome: Outcome, decision: CommitDecision | null): Promise<void> {
    return this.submit<void>({ kind: 'decide', header, outcome, decision });
  }

  abandon(header: TxHeader): Promise<void> {
    return this.submit<void>({ kind: 'abandon', header });
  }

  sync(names: NameSync[]): Promise<number> {
    return this.submit<number>({ kind: 'sync', names });
  }

  adopt(names: SnapshotAnswer['names'], lockTtlMs: number): Promise<number> {
    return this.submit<number>({ kind: 'adopt', names, lockTtlMs });
  }

  markCaughtUp(lostNothing: boolean): Promise<void> {
    return this.submit<void>({ kind: 'caughtUp', lostNothing });
  }

  async fetch(request: FetchShareRequest): Promise<FetchShareAnswer> {
    let found = this.cache.get(request.name, request.version);
    if (!found) {
      const generation = this.cache.generation(request.name);
      found = await this.reader.submit(request);
      this.cache.put(request.name, request.version, found, generation);
    }
    const catchingUp = !this.meta().caughtUp;
    const view = viewOf(found.row);
    const share = found.share;
    return {
      view,
      lock: this.lockInfo(found.lock),
      share: share
        ? {
            lifetimeId: share.lifetimeId,
            version: share.version,
            splitId: share.splitId,
            data: share.share.toString('base64'),
            salt: share.salt ? share.salt.toString('base64') : null,
            manifest: share.manifest,
            validFrom: share.validFrom,
            validTo: share.validTo,
          }
        : null,
      next: found.next,
      catchingUp,
    };
  }

  async history(name: string): Promise<HistoryAnswer> {
    const found = await this.backend.history(name);
    return { view: viewOf(found.row), lock: this.lockInfo(found.lock), versions: found.versions, catchingUp: !this.meta().caughtUp };
  }

  async changes(afterSeq: number, limit: number): Promise<ChangesAnswer> {
    const rows = await this.backend.changes(afterSeq, limit);
    return { changes: rows.map((r) => ({ name: r.name, view: viewOf(r), seq: r.changeSeq })), catchingUp: !this.meta().caughtUp };
  }

  async snapshot(afterName: string, limit: number): Promise<SnapshotAnswer> {
    const rows = await this.backend.snapshot(afterName, limit);
    return {
      names: rows.map(({ row, lock }) => ({
        name: row.name,
        view: viewOf(row),
        lock: lock ? { txId: lock.txId, coordinator: lock.coordinator, createdAt: lock.createdAt } : null,
      })),
      catchingUp: !this.meta().caughtUp,
      done: rows.length < limit,
    };
  }

  async newerThanLocal(changes: NameSync[]): Promise<NameSync[]> {
    if (changes.length === 0) return [];
    const local = await this.backend.revisions(changes.map((c) => c.name));
    return changes.filter((c) => c.view.revision > (local.get(c.name) ?? 0));
  }

  async inDoubt(limit: number): Promise<TxHeader[]> {
    const rows = await this.backend.inDoubt(this.clock.now(), limit);
    return rows.map((tx) => ({ txId: tx.txId, coordinator: tx.coordinator, createdAt: tx.createdAt, names: tx.names }));
  }

  async purge(transactionsBefore: number, idempotencyBefore: number): Promise<void> {
    await this.backend.purgeTransactions(transactionsBefore);
    await this.backend.purgeIdempotency(idempotencyBefore);
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  /** Commands waiting for the writer (a bound for backpressure). */
  get queuedCommands(): number {
    return this.writer.queued;
  }

  private submit<T>(command: Command): Promise<T> {
    return this.writer.submit(command) as Promise<T>;
  }

  private async applyBatch(commands: Command[]): Promise<Array<Settled<CommandResult>>> {
    const meta = this.meta();
    const loaded = await this.backend.load(this.machine.keysOf(commands));
    const outcome = this.machine.run(commands, loaded, meta, this.seq);
    await this.backend.write(outcome.writes);
    this.cache.invalidate(outcome.changed);
    // What a commit leaves as the newest version goes straight into the cache.
    for (const { name, version, row } of this.committed.apply(outcome.writes)) {
      const generation = this.cache.generation(name);
      this.cache.put(name, undefined, row, generation);
      this.cache.put(name, version, row, generation);
    }
    this.currentMeta = outcome.meta;
    this.seq = outcome.seq;
    return outcome.results.map((value) => ({ ok: true, value }));
  }

  private lockInfo(lock: LockRow | null): LockInfo | null {
    if (!lock) return null;
    // A lock without a lease (an unfinished transaction whose lease was never set) is settleable now.
    const expiresInMs = lock.leaseExpiresAt === null ? 0 : lock.leaseExpiresAt - this.clock.now();
    return { txId: lock.txId, coordinator: lock.coordinator, createdAt: lock.createdAt, expiresInMs: Math.round(expiresInMs) };
  }
}

export type { NameView };
