import { IsIn, IsObject, IsOptional, IsString, IsUUID, Matches } from 'class-validator';

/** Wire messages of the two-phase protocol. Payloads are opaque here: vault defines them. */

const NODE_ID = /^[a-z0-9-]{1,63}$/;

export class PrepareMessage {
  @IsUUID()
  txId: string;

  @Matches(NODE_ID)
  coordinator: string;

  @IsObject()
  payload: Record<string, unknown>;
}

export class CommitMessage {
  @IsUUID()
  txId: string;

  @IsObject()
  decision: Record<string, unknown>;
}

export class TxIdMessage {
  @IsUUID()
  txId: string;
}

export class DecisionAnswer {
  @IsIn(['commit', 'abort'])
  decision: 'commit' | 'abort';

  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;
}

export class VoteAnswer {
  @IsIn([true, false])
  yes: boolean;

  @IsOptional()
  @IsString()
  reason?: string;

  @IsObject()
  info: Record<string, unknown>;
}

export const TX_ROUTES = {
  prepare: 'tx/prepare',
  commit: 'tx/commit',
  abort: 'tx/abort',
  decision: 'tx/decision',
} as const;
