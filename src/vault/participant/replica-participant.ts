import { VaultError } from '../../common/errors';
import { AcceptReply, PromiseReply } from '../../coordination/commit/acceptor';
import { Ballot, Outcome } from '../../coordination/commit/ballot';
import { CommitParticipant, ParticipantVote, TxHeader } from '../../coordination/commit/participant';
import { CommitDecision, OPS_WITH_SHARE, PreparePayload, validators } from '../protocol';
import { ReplicaState } from '../state/replica-state';

/**
 * This replica's part in the commit protocol, over its own state. Coordination carries
 * payloads and decisions opaquely; here they are checked against the vault's schemas, and
 * against each other, before anything is stored.
 */
export class ReplicaParticipant implements CommitParticipant {
  constructor(
    private readonly state: ReplicaState,
    private readonly lockTtlMs: number,
  ) {}

  async prepare(header: TxHeader, payload: Record<string, unknown>): Promise<ParticipantVote> {
    const message = checkPrepare(header, payload);
    const vote = await this.state.prepare(header, message, this.lockTtlMs);
    return { yes: vote.yes, ...(vote.reason ? { reason: vote.reason } : {}), info: vote.info as unknown as Record<string, unknown> };
  }

  promise(header: TxHeader, ballot: Ballot): Promise<PromiseReply> {
    return this.state.promise(header, ballot);
  }

  accept(header: TxHeader, ballot: Ballot, value: Outcome, decision: Record<string, unknown> | null): Promise<AcceptReply> {
    return this.state.accept(header, ballot, value, value === 'commit' ? checkDecision(decision) : null, this.lockTtlMs);
  }

  decide(header: TxHeader, outcome: Outcome, decision: Record<string, unknown> | null): Promise<void> {
    return this.state.decide(header, outcome, outcome === 'commit' ? checkDecision(decision) : null);
  }

  inDoubt(limit: number): Promise<TxHeader[]> {
    return this.state.inDoubt(limit);
  }

  abandon(header: TxHeader): Promise<void> {
    return this.state.abandon(header);
  }
}

function invalid(message: string): VaultError {
  return new VaultError('VALIDATION_FAILED', message);
}

function checkPrepare(header: TxHeader, payload: unknown): PreparePayload {
  if (!validators.preparePayload(payload)) throw invalid(`Invalid prepare payload: ${validators.preparePayload.problem()}.`);
  const names = payload.items.map((i) => i.name);
  if (new Set(names).size !== names.length) throw invalid('A name appears twice in one prepare.');
  if (names.length !== header.names.length || names.some((n) => !header.names.includes(n))) throw invalid('The prepare names other names than its header.');
  for (const item of payload.items) {
    if (OPS_WITH_SHARE.has(item.op) !== Boolean(item.share)) throw invalid(`Prepare item ${item.name}: share ${item.share ? 'unexpected' : 'missing'}.`);
  }
  return payload;
}

function checkDecision(decision: unknown): CommitDecision {
  if (!validators.commitDecision(decision)) throw invalid(`Invalid commit decision: ${validators.commitDecision.problem()}.`);
  return decision;
}
