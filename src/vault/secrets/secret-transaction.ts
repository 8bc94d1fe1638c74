import { randomUUID } from 'node:crypto';
import {
  DeleteThresholdNotMetError,
  IdempotencyKeyReusedError,
  VotingPhaseFailedError,
  WriteConflictError,
  WritingPhaseFailedError,
} from '../../common/errors';
import { TransactionPlan, Verdict, VoteResult } from '../../coordination/two-phase/coordinator';
import { CommitDecision, DecidedItem, NameView, PrepareInfo, PrepareItem, PreparePayload, WriteOp } from '../protocol';
import { authoritativeView, nextValidFrom } from './quorum';
import { PreparedSplit } from './split';

/** One name's part in a transaction. `check` only asserts the name is live (`.env` refs). */
export interface WriteIntent {
  name: string;
  op: WriteOp;
  expectedVersion?: number;
  split?: PreparedSplit;
}

export interface IdempotencyContext {
  scope: string;
  key: string;
  requestHash: string;
}

export type ItemProblem =
  | { name: string; kind: 'exists' }
  | { name: string; kind: 'not-found' }
  | { name: string; kind: 'version-conflict'; expectedVersion: number; currentVersion: number }
  /** Found by the caller before the transaction (e.g. a value `.env` cannot represent). */
  | { name: string; kind: 'rejected' };

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
   * The result for the client, from the answer and the replicas that confirmed it;
   * `acks` is null when an earlier attempt's recorded answer is replayed.
   */
  finish(response: Record<string, unknown>, acks: string[] | null): R;
  /** A replica that voted with an older view than the decided one; told the new state. */
  onStaleReplica?(peerId: string, views: Array<{ name: string; view: NameView }>): void;
}

/**
 * Builds the two-phase plan shared by create, update, delete and the `.env` endpoint: the
 * same voting rule, the same authoritative-view checks, the same decision shape.
 */
export function secretTransactionPlan<R>(spec: SecretTransactionSpec<R>): TransactionPlan<PrepareInfo, CommitDecision & Record<string, unknown>, R> {
  const { n, k, m } = spec.cluster;
  const deleting = spec.intents.some((i) => i.op === 'delete');
  const destroyThreshold = n - k + 1;
  const requiredVotes = deleting ? Math.max(m, destroyThreshold) : m;
  const requiredAcks = deleting ? destroyThreshold : m;
  const names = spec.intents.map((i) => i.name);

  return {
    prepareFor(peerId: string): Record<string, unknown> {
      const items: PrepareItem[] = spec.intents.map((intent) => ({
        name: intent.name,
        op: intent.op,
        ...(intent.split
          ? { share: { splitId: intent.split.splitId, data: intent.split.shares.get(peerId)!, manifest: intent.split.manifest } }
          : {}),
      }));
      const payload: PreparePayload = {
        items,
        ...(spec.idempotency ? { idempotency: { scope: spec.idempotency.scope, key: spec.idempotency.key } } : {}),
      };
      return payload as unknown as Record<string, unknown>;
    },

    decide(votes): Verdict<CommitDecision & Record<string, unknown>, R> {
      const answered = votes.filter((v) => v.answered && v.info);
      const recorded = answered.find((v) => v.info?.idempotency)?.info?.idempotency;
      if (recorded && spec.idempotency) {
        if (recorded.requestHash !== spec.idempotency.requestHash) return { kind: 'abort', error: new IdempotencyKeyReusedError() };
        return { kind: 'replay', result: spec.finish(recorded.response, null) };
      }

      const yes = votes.filter((v) => v.yes).length;
      // With a quorum of answers (yes or no), the authoritative view is known even when locks
      // kept the yes votes short: a request that this committed state already refutes fails
      // at once instead of waiting for the locks (its answer is linearizable at this read).
      const problems: ItemProblem[] = [...(spec.knownProblems ?? [])];
      const decided: DecidedItem[] = [];
      const authoritative = new Map<string, NameView>();
      if (answered.length >= m) {
        for (const intent of spec.intents) {
          const view = authoritativeView(answered.map((v) => v.info?.views?.[intent.name]));
          authoritative.set(intent.name, view);
          const problem = checkIntent(intent, view);
          if (problem && !problems.some((p) => p.name === problem.name && p.kind === problem.kind)) problems.push(problem);
          else if (!problem) decided.push(decide(intent, view, spec.gatewayTime));
        }
        if (problems.length > 0) {
          // Nothing will be committed: tell replicas that voted with an older view (one that
          // missed a delete, say) the current state now, rather than at the next commit.
          tellStale(answered, authoritative, spec.onStaleReplica);
          return { kind: 'abort', error: spec.onProblems(problems) };
        }
      }

      if (yes < requiredVotes) {
        const lockedVotes = answered.filter((v) => v.reason === 'locked').length;
        if (yes + lockedVotes >= requiredVotes) {
          const lockedNames = [...new Set(answered.flatMap((v) => v.info?.locked ?? []))];
          return { kind: 'retry', onGiveUp: () => new WriteConflictError(lockedNames.length ? lockedNames : names) };
        }
        return {
          kind: 'abort',
          error: deleting ? new DeleteThresholdNotMetError('voting', yes, destroyThreshold) : new VotingPhaseFailedError(yes, requiredVotes),
        };
      }

      const response = spec.response(decided, yes);
      const decision: CommitDecision = {
        items: decided,
        ...(spec.idempotency ? { idempotency: { ...spec.idempotency, response } } : {}),
      };
      return {
        kind: 'commit',
        decision: decision as CommitDecision & Record<string, unknown>,
        requiredAcks,
        onCommitted: (acks) => spec.finish(response, acks),
        onWritingFailed: (acks) =>
          deleting
            ? new DeleteThresholdNotMetError('writing', acks.length, destroyThreshold)
            : new WritingPhaseFailedError(acks.length, requiredAcks),
      };
    },

    afterCommit(votes: VoteResult<PrepareInfo>[], decision): void {
      const newViews = new Map(decision.items.filter((i) => i.op !== 'check').map((i) => [i.name, viewAfter(i)]));
      // Yes-voters get the commit itself; the others that answered with an older view are told.
      tellStale(votes.filter((v) => v.answered && !v.yes), newViews, spec.onStaleReplica);
    },
  };
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
  }
}

function decide(intent: WriteIntent, view: NameView, gatewayTime: number): DecidedItem {
  const at = nextValidFrom(gatewayTime, view);
  switch (intent.op) {
    case 'create':
      return { name: intent.name, op: 'create', lifetimeId: randomUUID(), revision: view.revision + 1, version: 1, at };
    case 'update':
      return { name: intent.name, op: 'update', lifetimeId: view.lifetimeId!, revision: view.revision + 1, version: view.currentVersion + 1, at };
    case 'delete':
      return { name: intent.name, op: 'delete', lifetimeId: view.lifetimeId!, revision: view.revision + 1, version: view.currentVersion, at };
    case 'check':
      return { name: intent.name, op: 'check', revision: view.revision, version: view.currentVersion, at };
  }
}

/** The committed view a replica ends up with after applying `item`. */
export function viewAfter(item: DecidedItem): NameView {
  return item.op === 'delete'
    ? { lifetimeId: item.lifetimeId ?? null, revision: item.revision, status: 'deleted', currentVersion: item.version, lastValidFrom: item.at, deletedAt: item.at }
    : { lifetimeId: item.lifetimeId ?? null, revision: item.revision, status: 'live', currentVersion: item.version, lastValidFrom: item.at, deletedAt: null };
}
