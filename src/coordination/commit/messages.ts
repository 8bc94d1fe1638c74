import { SchemaObject } from 'ajv';
import { compileSchema, S } from '../../common/schema';
import { NODE_ID_PATTERN } from '../../config';
import { AcceptReply, PromiseReply } from './acceptor';
import { Ballot, Outcome } from './ballot';
import { ParticipantVote, TxHeader } from './participant';

/** Wire messages of the commit protocol. Payloads and decisions are opaque here: vault defines them. */

export const COMMIT_ROUTES = {
  prepare: 'tx/prepare',
  promise: 'tx/promise',
  accept: 'tx/accept',
  decided: 'tx/decided',
} as const;

/** How many names one transaction may touch (mirrors the vault's bound; checked there too). */
const MAX_NAMES = 1000;

export interface PrepareMessage {
  header: TxHeader;
  payload: Record<string, unknown>;
}

export interface PromiseMessage {
  header: TxHeader;
  ballot: Ballot;
}

export interface AcceptMessage {
  header: TxHeader;
  ballot: Ballot;
  value: Outcome;
  decision: Record<string, unknown> | null;
}

export interface DecidedMessage {
  header: TxHeader;
  outcome: Outcome;
  decision: Record<string, unknown> | null;
}

const nodeId = S.pattern(NODE_ID_PATTERN);
const ballot = S.object({ round: S.int(0, 2_147_483_647), node: nodeId });
const outcome = S.enum('commit', 'abort');
const header = S.object({ txId: S.uuid, coordinator: nodeId, createdAt: S.int(0), names: S.array(S.string(128, 1), MAX_NAMES) });
const acceptedValue = S.nullable(S.object({ ballot, value: outcome }));
const decision = S.nullable(S.anyObject);

const promiseReply: SchemaObject = {
  oneOf: [
    S.object({ kind: S.enum('promised'), accepted: acceptedValue, decision }),
    S.object({ kind: S.enum('nack'), promised: ballot }),
    S.object({ kind: S.enum('decided'), outcome, decision }),
    S.object({ kind: S.enum('refused'), reason: S.string(64) }),
  ],
};

const acceptReply: SchemaObject = {
  oneOf: [
    S.object({ kind: S.enum('accepted') }),
    S.object({ kind: S.enum('nack'), promised: S.nullable(ballot), reason: S.string(64) }),
    S.object({ kind: S.enum('decided'), outcome, decision }),
    S.object({ kind: S.enum('refused'), reason: S.string(64) }),
  ],
};

export const commitSchemas = {
  prepare: compileSchema<PrepareMessage>(S.object({ header, payload: S.anyObject })),
  vote: compileSchema<ParticipantVote>(S.object({ yes: { type: 'boolean' }, reason: S.string(64), info: S.anyObject }, ['yes', 'info'])),
  promise: compileSchema<PromiseMessage>(S.object({ header, ballot })),
  promiseReply: compileSchema<PromiseReply>(promiseReply),
  accept: compileSchema<AcceptMessage>(S.object({ header, ballot, value: outcome, decision })),
  acceptReply: compileSchema<AcceptReply>(acceptReply),
  decided: compileSchema<DecidedMessage>(S.object({ header, outcome, decision })),
  ok: compileSchema<{ ok: true }>(S.object({ ok: S.enum(true) })),
};
