import { randomBytes } from 'node:crypto';
import { BackgroundLoop } from '../common/async';
import { Clock } from '../common/clock';
import { Ids } from '../common/ids';
import { CommitEngine } from '../coordination/commit/commit-engine';
import { PeerHealth } from '../coordination/peer-health';
import { PeerRouter } from '../coordination/peer-router';
import { PeerTransport } from '../coordination/peer-transport';
import { compileSchema } from '../common/schema';
import { verifiedPeerSecrets } from '../config/vault-config';
import type { TestBug } from '../config/vault-config';
import { ApplyEnvFile } from './env/apply-env-file';
import { ReplicaParticipant } from './participant/replica-participant';
import {
  ChangesAnswer,
  ChangesRequest,
  ClusterSettings,
  FetchShareAnswer,
  FetchShareRequest,
  HistoryAnswer,
  HistoryRequest,
  schemas,
  SnapshotAnswer,
  SnapshotRequest,
  SyncRequest,
  VAULT_ROUTES,
} from './protocol';
import { DeleteSecret } from './secrets/delete-secret';
import { resplitVersion } from './secrets/read-repair';
import { ReadStats } from './secrets/read-stats';
import { SecretReader } from './secrets/secret-reader';
import { SecretTransactions } from './secrets/secret-transactions';
import { staleReplicaNotifier } from './secrets/stale-replicas';
import { WriteSecret } from './secrets/write-secret';
import { ReplicaState } from './state/replica-state';
import { TX_RETENTION_MS } from './state/replica-machine';
import { AntiEntropy } from './sync/anti-entropy';
import { CatchUp } from './sync/catch-up';
import { TokenAuthenticator } from './tokens/token-authenticator';
import { tokenHashKey } from './tokens/token-format';
import { TokenStore } from './tokens/token-store';

export type Log = (level: 'debug' | 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;

/** What one replica is made of, independent of Nest: the Vault module and the simulation build it alike. */
export interface ReplicaSettings extends ClusterSettings {
  sweepIntervalMs: number;
  /** Keys idempotency records' request hashes and (through HKDF) token hashes (VAULT_PEER_SECRET). */
  peerSecret: string;
  /** A second peer secret accepted while the peer secret changes (VAULT_PEER_SECRET_ACCEPTED). */
  peerSecretAccepted?: string | null;
  /** The bootstrap admin token (VAULT_API_TOKEN); none when absent (the simulation). */
  apiToken?: string;
  /** How long a looked-up token is trusted, and how long a revoke waits (VAULT_TOKEN_CACHE_TTL_MS). */
  tokenCacheTtlMs?: number;
  faultPoint?: string | null;
  /** Test-only planted bugs (the simulation's and the fault suite's proof that their checker bites); set only by the simulation and by VAULT_TEST_BUG under NODE_ENV=test. */
  bugs?: PlantedBugs;
}

export interface PlantedBugs {
  readerIgnoresLocks?: boolean;
  abortAtLeaseEnd?: boolean;
}

/** The switches that plant one named bug (VAULT_TEST_BUG, the simulation's profile). */
export function plantedBugs(bug: TestBug | null | undefined): PlantedBugs | undefined {
  switch (bug) {
    case 'reader-ignores-locks':
      return { readerIgnoresLocks: true };
    case 'abort-at-lease-end':
      return { abortAtLeaseEnd: true };
    default:
      return undefined;
  }
}

export interface ReplicaInfrastructure {
  state: ReplicaState;
  transport: PeerTransport;
  router: PeerRouter;
  health: PeerHealth;
  clock: Clock;
  ids: Ids;
  log: Log;
  crash?: () => never;
}

const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * One replica's use cases and protocol roles, wired together: the commit engine over this
 * replica's state, the reads, writes, deletes and `.env`, the peer routes they serve, and
 * the background work (settling transactions in doubt, the anti-entropy sweep, catching
 * up after lost state, purging old records).
 */
export class Replica {
  readonly stats = new ReadStats();
  readonly engine: CommitEngine;
  readonly transactions: SecretTransactions;
  readonly reader: SecretReader;
  readonly writer: WriteSecret;
  readonly deleter: DeleteSecret;
  readonly env: ApplyEnvFile;
  readonly tokens: TokenStore;
  readonly authenticator: TokenAuthenticator;
  readonly antiEntropy: AntiEntropy;
  readonly catchUp: CatchUp;
  private readonly loops: BackgroundLoop[] = [];

  constructor(
    readonly settings: ReplicaSettings,
    private readonly infra: ReplicaInfrastructure,
  ) {
    const { state, transport, router, health, clock, ids, log } = infra;
    const lockWaitMs = Math.min(5000, settings.lockTtlMs);
    this.engine = new CommitEngine(transport, router, new ReplicaParticipant(state, settings.lockTtlMs), {
      selfId: settings.selfId,
      peerIds: settings.peerIds,
      quorum: settings.m,
      peerTimeoutMs: settings.peerTimeoutMs,
      lockTtlMs: settings.lockTtlMs,
      lockWaitMs,
      clock,
      ids,
      faultPoint: settings.faultPoint,
      crash: infra.crash,
      log,
      bugs: settings.bugs,
    });
    const notifyStale = staleReplicaNotifier(transport);
    this.transactions = new SecretTransactions({ ...settings, peerIds: settings.peerIds, lockWaitMs, clock, ids, engine: this.engine, notifyStale });
    this.reader = new SecretReader({
      ...settings,
      transport,
      clock,
      health,
      stats: this.stats,
      notifyStale,
      settle: (header, deadline) => this.engine.settle(header, deadline),
      repair: (name, ready, value) => resplitVersion(this.transactions, this.stats, clock, name, ready, value),
      log,
      bugs: settings.bugs,
    });
    this.writer = new WriteSecret(this.transactions);
    this.deleter = new DeleteSecret(this.transactions, settings.n - settings.k + 1);
    this.env = new ApplyEnvFile(this.transactions, this.reader);
    const cacheTtlMs = settings.tokenCacheTtlMs ?? 2000;
    this.tokens = new TokenStore({
      transactions: this.transactions,
      reader: this.reader,
      clock,
      cacheTtlMs,
      onRevoked: (id) => this.authenticator.evict(id),
    });
    this.authenticator = new TokenAuthenticator({
      // Without one (the simulation), an unguessable token nobody holds.
      bootstrapToken: settings.apiToken ?? randomBytes(32).toString('hex'),
      // Records made before token hash scheme 2 are checked under every accepted peer secret's key.
      legacyHashKeys: verifiedPeerSecrets(settings).map(tokenHashKey),
      lookup: (id) => this.tokens.lookup(id),
      cacheTtlMs,
      monotonicNow: () => performance.now(),
      now: () => clock.now(),
    });
    this.antiEntropy = new AntiEntropy(settings.selfId, settings.peerIds, transport, state, log);
    this.catchUp = new CatchUp({ ...settings, transport, state, log });
    this.registerRoutes();
  }

  private registerRoutes(): void {
    const { router, state } = this.infra;
    router.register<FetchShareRequest>(
      VAULT_ROUTES.fetch,
      { request: compileSchema(schemas.fetchRequest), answer: compileSchema<FetchShareAnswer>(schemas.fetchAnswer), lane: 'read' },
      (m) => state.fetch(m),
    );
    router.register<HistoryRequest>(
      VAULT_ROUTES.history,
      { request: compileSchema(schemas.historyRequest), answer: compileSchema<HistoryAnswer>(schemas.historyAnswer), lane: 'read' },
      (m) => state.history(m.name),
    );
    router.register<SyncRequest>(
      VAULT_ROUTES.sync,
      { request: compileSchema(schemas.syncRequest), answer: compileSchema(schemas.syncAnswer), lane: 'write' },
      async (m) => ({ applied: await state.sync(m.names) }),
    );
    router.register<ChangesRequest>(
      VAULT_ROUTES.changes,
      { request: compileSchema(schemas.changesRequest), answer: compileSchema<ChangesAnswer>(schemas.changesAnswer), lane: 'read' },
      (m) => state.changes(m.afterSeq, m.limit),
    );
    router.register<SnapshotRequest>(
      VAULT_ROUTES.snapshot,
      { request: compileSchema(schemas.snapshotRequest), answer: compileSchema<SnapshotAnswer>(schemas.snapshotAnswer), lane: 'read' },
      (m) => state.snapshot(m.afterName, m.limit),
    );
  }

  /** Starts the background work; `stop()` ends it. */
  start(): void {
    const { clock, log, state } = this.infra;
    const onError = (what: string) => (error: unknown) => log('warn', `${what} failed`, { error: error instanceof Error ? error.message : String(error) });
    this.loops.push(
      new BackgroundLoop(
        this.engine.settleIntervalMs,
        async () => {
          const tally = await this.engine.settleInDoubt();
          if (tally.settled + tally.unsettled + tally.forgotten > 0) log('info', 'transactions in doubt', tally);
        },
        onError('settling transactions in doubt'),
        clock,
      ),
      new BackgroundLoop(this.settings.sweepIntervalMs, () => this.antiEntropy.sweep().then(() => undefined), onError('anti-entropy sweep'), clock),
      new BackgroundLoop(
        200,
        async () => {
          if (!state.meta().caughtUp) await this.catchUp.run();
        },
        onError('catching up'),
        clock,
      ),
      new BackgroundLoop(
        60 * 60 * 1000,
        () => state.purge(clock.now() - TX_RETENTION_MS, clock.now() - IDEMPOTENCY_RETENTION_MS),
        onError('purging old records'),
        clock,
      ),
    );
    for (const loop of this.loops) loop.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
    this.loops.length = 0;
  }
}
