import {
  DeleteThresholdNotMetError,
  IdempotencyKeyReusedError,
  VotingPhaseFailedError,
  WriteConflictError,
  WritingPhaseFailedError,
} from '../../common/errors';
import { TransactionPlan, Verdict, VoteResult } from '../../coordination/commit/coordinator';
import { CommitDecision, DecidedItem, NameView, PrepareInfo, PrepareItem, PreparePayload, validators, WriteOp } from '../protocol';
import { authoritativeView, nextValidFrom } from './quorum';
import { PreparedSplit } from './split';

/** One name's part in a transaction. `check` only asserts the name is live (`.env` refs). */
export interface WriteIntent {
  name: string;
  op: WriteOp;
  expectedVersion?: number;
  split?: PreparedSplit;
  /** For `resplit`: the state the new split belongs to; anything else means a write won. */
  expected?: { revision: number; lifetimeId: string; version: number; validFrom: number };
}

export interface IdempotencyContext {
  scope: string;
  key: string;
  /**
   * The request's fingerprint under each accepted peer secret: a recorded hash equal to any
   * of them is this same request; a new record stores the first.
   */
  requestHashes: readonly string[];
}

export type ItemProblem =
  | { name: string; kind: 'exists' }
  | { name: string; kind: 'not-found' }
  | { name: string; kind: 'version-conflict'; expectedVersion: number; currentVersion: number }
  /** Found by the caller before the transaction (e.g. a value `.env` cannot represent). */
  | { name: string; kind: 'rejected' }
  /** A resplit whose version is no longer the current one (an update or delete won). */
  | { name: string; kind: 'moved' };

export interface ClusterShape {
  n: number;
  k: number;
  m: number;
}

export interface SecretTransactionSpec<R> {
  intents: WriteIntent[];
  gatewayTime: number;
  idempotency?: IdempotencyContext;
  cluster: ClusterShape;
  /** A fresh lifetime id for a create. */
  newLifetimeId: () => string;
  /** Problems the caller already knows of: the transaction aborts with them (and any others). */
  knownProblems?: ItemProblem[];
  /** Turns the names that fail their checks into the error the client gets. */
  onProblems(problems: ItemProblem[]): Error;
  /**
   * The answer, recorded for idempotent retries: it must never hold a secret value.
   * `yesVoters` replicas hold the decision's prepared state and will all apply it.
   */
  response(decided: DecidedItem[], yesVoters: number): Record<string, unknown>;
  /**
   * The result for the client, from the answer and the replicas that confirmed applying
   * it (a delete); `applied` is null when an earlier attempt's recorded answer is replayed.
   */
  finish(response: Record<string, unknown>, applied: string[] | null): R;
  /** A replica that answered with an older view than the authoritative one; told the current state. */
  onStaleReplica?(peerId: string, views: Array<{ name: string; view: NameView }>): void;
}

/**
 * Builds the plan shared by create, update, delete, resplit and the `.env` endpoint: the
 * same voting rule, the same authoritative-view checks, the same decision shape.
 *
 * The authoritative view of a name is the highest revision among the answers, and it is
 * only trusted when at least m of the answering replicas hold no other transaction's lock
 * on the transaction's names: every chosen write was accepted by m replicas, which keep
 * its lock until they applied it, and any two sets of m replicas meet (m > n/2). So m
 * unlocked answers include the latest chosen state of every name, and a refusal (409,
 * 404) decided from them never contradicts a write that was acknowledged or read before.
 */
export function secretTransactionPlan<R>(spec: SecretTransactionSpec<R>): TransactionPlan<PrepareInfo, CommitDecision & Record<string, unknown>, R> {
  const { n, k, m } = spec.cluster;
  const deleting = spec.intents.some((i) => i.op === 'delete');
  const destroyThreshold = n - k + 1;
  const requiredVotes = deleting ? Math.max(m, destroyThreshold) : m;
  const names = spec.intents.map((i) => i.name);
  const hasChecks = spec.intents.some((i) => i.op === 'check');

  return {
    names,

    prepareFor(peerId: string): Record<string, unknown> {
      const items: PrepareItem[] = spec.intents.map((intent) => ({
        name: intent.name,
        op: intent.op,
        ...(intent.split ? { share: intent.split.envelopeFor(peerId) } : {}),
      }));
      const payload: PreparePayload = {
        items,
        ...(spec.idempotency ? { idempotency: { scope: spec.idempotency.scope, key: spec.idempotency.key } } : {}),
      };
      return payload as unknown as Record<string, unknown>;
    },

    readInfo(info: unknown): PrepareInfo | null {
      return validators.prepareInfo(info) ? info : null;
    },

    decide(votes, final): Verdict<CommitDecision & Record<string, unknown>, R> | null {
      const answered = votes.filter((v) => v.answered && v.info);
      const unlocked = answered.filter((v) => v.yes || v.info!.locked.length === 0);
      const knowsLatest = unlocked.length >= m;
      const authoritative = new Map<string, NameView>();
      if (knowsLatest) {
        for (const intent of spec.intents) authoritative.set(intent.name, authoritativeView(answered.map((v) => v.info!.views[intent.name])));
      }

      const recorded = answered.find((v) => v.info!.idempotency)?.info!.idempotency;
      if (recorded && spec.idempotency) {
        if (!spec.idempotency.requestHashes.includes(recorded.requestHash)) return { kind: 'abort', error: new IdempotencyKeyReusedError() };
        // A retry re-checks what makes its answer true now (a `.env` file's references).
        if (!hasChecks) return { kind: 'replay', result: spec.finish(recorded.response, null) };
        if (knowsLatest) {
          const problems = [...(spec.knownProblems ?? []), ...checkAll(spec.intents.filter((i) => i.op === 'check'), authoritative)];
          if (problems.length > 0) return { kind: 'abort', error: spec.onProblems(problems) };
          return { kind: 'replay', result: spec.finish(recorded.response, null) };
        }
      }

      if (knowsLatest) {
        const problems = [...(spec.knownProblems ?? []), ...checkAll(spec.intents, authoritative)];
        if (problems.length > 0) {
          // Nothing will be committed: tell replicas that voted with an older view (one that
          // missed a delete, say) the current state now, rather than at the next write.
          tellStale(answered, authoritative, spec.onStaleReplica);
          return { kind: 'abort', error: spec.onProblems(uniqueProblems(problems)) };
        }
        const yes = votes.filter((v) => v.yes).length;
        if (yes >= requiredVotes) return commitVerdict(spec, authoritative, yes, destroyThreshold, deleting);
      }
      if (!final) return null;

      const yes = votes.filter((v) => v.yes).length;
      const lockedVotes = answered.filter((v) => v.reason === 'locked').length;
      if (yes + lockedVotes >= requiredVotes || (answered.length >= m && !knowsLatest)) {
        const lockedNames = [...new Set(answered.flatMap((v) => v.info!.locked))];
        return { kind: 'retry', onGiveUp: () => new WriteConflictError(lockedNames.length ? lockedNames : names) };
      }
      return {
        kind: 'abort',
        error: deleting ? new DeleteThresholdNotMetError('voting', yes, destroyThreshold) : new VotingPhaseFailedError(yes, requiredVotes),
      };
    },
  };
}

function commitVerdict<R>(
  spec: SecretTransactionSpec<R>,
  authoritative: Map<string, NameView>,
  yes: number,
  destroyThreshold: number,
  deleting: boolean,
): Verdict<CommitDecision & Record<string, unknown>, R> {
  const decided = spec.intents.map((intent) => decide(intent, authoritative.get(intent.name)!, spec.gatewayTime, spec.newLifetimeId));
  const response = spec.response(decided, yes);
  const decision: CommitDecision = {
    items: decided,
    ...(spec.idempotency ? { idempotency: { scope: spec.idempotency.scope, key: spec.idempotency.key, requestHash: spec.idempotency.requestHashes[0], response } } : {}),
  };
  return {
    kind: 'commit',
    decision: decision as CommitDecision & Record<string, unknown>,
    requiredApplied: deleting ? destroyThreshold : 0,
    onCommitted: (applied) => spec.finish(response, applied),
    onUnconfirmed: (state) =>
      deleting ? new DeleteThresholdNotMetError('writing', 0, destroyThreshold, state) : new WritingPhaseFailedError(state),
    onApplyShort: (applied) => new DeleteThresholdNotMetError('writing', applied.length, destroyThreshold, 'committed'),
  };
}

function checkAll(intents: WriteIntent[], authoritative: Map<string, NameView>): ItemProblem[] {
  return intents.map((intent) => checkIntent(intent, authoritative.get(intent.name)!)).filter((p): p is ItemProblem => p !== null);
}

function uniqueProblems(problems: ItemProblem[]): ItemProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.kind}\n${p.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function tellStale(
  answered: VoteResult<PrepareInfo>[],
  authoritative: Map<string, NameView>,
  notify: SecretTransactionSpec<unknown>['onStaleReplica'],
): void {
  if (!notify) return;
  for (const vote of answered) {
    const stale = [...authoritative]
      .filter(([name, view]) => view.revision > (vote.info?.views?.[name]?.revision ?? 0))
      .map(([name, view]) => ({ name, view }));
    if (stale.length > 0) notify(vote.peerId, stale);
  }
}

function checkIntent(intent: WriteIntent, view: NameView): ItemProblem | null {
  const live = view.status === 'live';
  switch (intent.op) {
    case 'create':
      return live ? { name: intent.name, kind: 'exists' } : null;
    case 'update':
      if (!live) return { name: intent.name, kind: 'not-found' };
      if (intent.expectedVersion !== undefined && intent.expectedVersion !== view.currentVersion) {
        return { name: intent.name, kind: 'version-conflict', expectedVersion: intent.expectedVersion, currentVersion: view.currentVersion };
      }
      return null;
    case 'delete':
    case 'check':
      return live ? null : { name: intent.name, kind: 'not-found' };
    case 'resplit': {
      const expected = intent.expected!;
      const same = live && view.revision === expected.revision && view.lifetimeId === expected.lifetimeId && view.currentVersion === expected.version;
      return same ? null : { name: intent.name, kind: 'moved' };
    }
  }
}

function decide(intent: WriteIntent, view: NameView, gatewayTime: number, newLifetimeId: () => string): DecidedItem {
  const at = nextValidFrom(gatewayTime, view);
  switch (intent.op) {
    case 'create':
      return { name: intent.name, op: 'create', lifetimeId: newLifetimeId(), revision: view.revision + 1, version: 1, at };
    case 'update':
      return { name: intent.name, op: 'update', lifetimeId: view.lifetimeId!, revision: view.revision + 1, version: view.currentVersion + 1, at };
    case 'delete':
      return { name: intent.name, op: 'delete', lifetimeId: view.lifetimeId!, revision: view.revision + 1, version: view.currentVersion, at };
    case 'check':
      return { name: intent.name, op: 'check', revision: view.revision, version: view.currentVersion, at };
    case 'resplit': {
      const expected = intent.expected!;
      return { name: intent.name, op: 'resplit', lifetimeId: expected.lifetimeId, revision: expected.revision, version: expected.version, at: expected.validFrom };
    }
  }
}

/** The committed view a replica ends up with after applying `item`. */
export function viewAfter(item: DecidedItem): NameView {
  return item.op === 'delete'
    ? { lifetimeId: item.lifetimeId ?? null, revision: item.revision, status: 'deleted', currentVersion: item.version, lastValidFrom: item.at, deletedAt: item.at }
    : { lifetimeId: item.lifetimeId ?? null, revision: item.revision, status: 'live', currentVersion: item.version, lastValidFrom: item.at, deletedAt: null };
}
