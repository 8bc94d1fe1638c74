import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBase64,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/**
 * The vault's messages between replicas, carried by coordination as opaque payloads (tx/*)
 * or sent directly (secrets/*, names/*). Each is also a DTO, so that a replica validates
 * what its peers send exactly as it validates what clients send. No message carries a
 * secret value: only one replica's share, digests and metadata.
 */

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
export const MAX_ITEMS_PER_TRANSACTION = 1000;

export type NameStatus = 'absent' | 'live' | 'deleted';

/** One replica's committed state of a name. Highest revision wins across replicas. */
export class NameView {
  @IsOptional()
  @IsUUID()
  lifetimeId: string | null;

  @IsInt()
  @Min(0)
  revision: number;

  @IsIn(['absent', 'live', 'deleted'])
  status: NameStatus;

  @IsInt()
  @Min(0)
  currentVersion: number;

  @IsOptional()
  @IsInt()
  lastValidFrom: number | null;

  @IsOptional()
  @IsInt()
  deletedAt: number | null;
}

export const ABSENT_VIEW: NameView = {
  lifetimeId: null,
  revision: 0,
  status: 'absent',
  currentVersion: 0,
  lastValidFrom: null,
  deletedAt: null,
};

/** Where each share of one split went: x-coordinates and digests, never share bytes. */
export type SplitManifest = Record<string, { x: number; digest: string }>;

export class ShareEnvelope {
  @IsUUID()
  splitId: string;

  /** This replica's share, base64. */
  @IsBase64()
  data: string;

  @IsObject()
  manifest: SplitManifest;
}

export type WriteOp = 'create' | 'update' | 'delete' | 'check';

export class PrepareItem {
  @Matches(NAME_PATTERN)
  name: string;

  @IsIn(['create', 'update', 'delete', 'check'])
  op: WriteOp;

  @IsOptional()
  @ValidateNested()
  @Type(() => ShareEnvelope)
  share?: ShareEnvelope;
}

export class IdempotencyRef {
  @IsString()
  @Length(1, 300)
  scope: string;

  @IsString()
  @Length(1, 255)
  key: string;
}

export class PreparePayload {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ITEMS_PER_TRANSACTION)
  @ValidateNested({ each: true })
  @Type(() => PrepareItem)
  items: PrepareItem[];

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** A recorded outcome for an idempotency key: the request's keyed hash and the answer. */
export interface IdempotencyOutcome {
  requestHash: string;
  response: Record<string, unknown>;
}

/** What a participant's vote tells the coordinator, yes or no. */
export interface PrepareInfo {
  views: Record<string, NameView>;
  locked: string[];
  idempotency?: IdempotencyOutcome;
}

export class DecidedItem {
  @Matches(NAME_PATTERN)
  name: string;

  @IsIn(['create', 'update', 'delete', 'check'])
  op: WriteOp;

  @IsOptional()
  @IsUUID()
  lifetimeId?: string;

  @IsInt()
  @Min(0)
  revision: number;

  @IsInt()
  @Min(0)
  version: number;

  /** validFrom of the new version, or the deletion time for a delete. ms since epoch. */
  @IsInt()
  at: number;
}

export class IdempotencyRecord extends IdempotencyRef {
  @IsString()
  @Length(64, 64)
  requestHash: string;

  @IsObject()
  response: Record<string, unknown>;
}

export class CommitDecision {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ITEMS_PER_TRANSACTION)
  @ValidateNested({ each: true })
  @Type(() => DecidedItem)
  items: DecidedItem[];

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRecord)
  idempotency?: IdempotencyRecord;
}

export class FetchShareRequest {
  @Matches(NAME_PATTERN)
  name: string;

  /** Omitted: this replica's latest. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  version?: number;
}

export interface StoredShare {
  lifetimeId: string;
  version: number;
  splitId: string;
  data: string;
  manifest: SplitManifest;
  validFrom: number;
  validTo: number | null;
}

export interface FetchShareAnswer {
  view: NameView;
  share: StoredShare | null;
  /** The next version this replica holds after the one asked for (for validTo). */
  next: { version: number; validFrom: number } | null;
}

export class HistoryRequest {
  @Matches(NAME_PATTERN)
  name: string;
}

export interface HistoryAnswer {
  view: NameView;
  versions: Array<{ version: number; validFrom: number }>;
}

export class RepairRequest {
  @Matches(NAME_PATTERN)
  name: string;

  @ValidateNested()
  @Type(() => NameView)
  view: NameView;

  @IsInt()
  @Min(1)
  version: number;

  @ValidateNested()
  @Type(() => ShareEnvelope)
  share: ShareEnvelope;

  @IsInt()
  validFrom: number;
}

export type RepairOutcome = 'repaired' | 'newer' | 'locked';

export interface RepairAnswer {
  outcome: RepairOutcome;
}

export class NameSync {
  @Matches(NAME_PATTERN)
  name: string;

  @ValidateNested()
  @Type(() => NameView)
  view: NameView;
}

export class SyncRequest {
  @IsArray()
  @ArrayMaxSize(MAX_ITEMS_PER_TRANSACTION)
  @ValidateNested({ each: true })
  @Type(() => NameSync)
  names: NameSync[];
}

export class ChangesRequest {
  @IsInt()
  @Min(0)
  afterSeq: number;

  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number;
}

export interface ChangesAnswer {
  changes: Array<{ name: string; view: NameView; seq: number; ageMs: number }>;
}

export const VAULT_ROUTES = {
  fetch: 'secrets/fetch',
  history: 'secrets/history',
  repair: 'secrets/repair',
  sync: 'names/sync',
  changes: 'names/changes',
} as const;
