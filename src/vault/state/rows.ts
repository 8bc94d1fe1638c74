import { NameView } from '../protocol';

/** Raw rows as node-postgres returns them (bigint as string, timestamptz as Date). */
export interface StateRow {
  name: string;
  lifetime_id: string | null;
  revision: string;
  status: 'absent' | 'live' | 'deleted';
  current_version: number;
  last_valid_from: Date | null;
  deleted_at: Date | null;
  lock_tx: string | null;
  lock_coordinator: string | null;
  lock_expires_at: Date | null;
  change_seq: string;
  updated_at: Date;
}

export interface VersionRow {
  id: string;
  name: string;
  lifetime_id: string | null;
  version: number | null;
  split_id: string;
  share: Buffer | null;
  share_digest: string | null;
  manifest: Record<string, { x: number; digest: string }>;
  valid_from: Date | null;
  valid_to: Date | null;
  state: 'prepared' | 'committed' | 'destroyed';
  tx_id: string;
}

export function ms(date: Date | null): number | null {
  return date ? date.getTime() : null;
}

export function viewOf(row: StateRow | undefined): NameView {
  if (!row) {
    return { lifetimeId: null, revision: 0, status: 'absent', currentVersion: 0, lastValidFrom: null, deletedAt: null };
  }
  return {
    lifetimeId: row.lifetime_id,
    revision: Number(row.revision),
    status: row.status,
    currentVersion: row.current_version,
    lastValidFrom: ms(row.last_valid_from),
    deletedAt: ms(row.deleted_at),
  };
}
