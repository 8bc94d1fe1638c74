/**
 * A recorded history (docs/reliability.md): every client operation with its input, what
 * its answer proves, and when it was called and returned. The simulation and the fault
 * suite write the same format; test/checker checks it with Porcupine, and check.ts adds
 * the checks that are not about linearizability.
 */
export type OperationKind = 'create' | 'update' | 'delete' | 'read' | 'history';

export interface OperationInput {
  kind: OperationKind;
  value?: string;
  expectedVersion?: number;
  /** read ?version=N */
  version?: number;
}

/**
 * ok: took effect (writes) or returned (reads; a read with version 0 saw the latest value
 * without its version number, as a `.env` reference does); unknown: may or may not have
 * taken effect; no-effect: certainly did nothing and observed nothing; the others are
 * refusals that observed the state.
 */
export type OperationResult = 'ok' | 'unknown' | 'no-effect' | 'exists' | 'not-found' | 'version-conflict' | 'version-not-found';

export interface OperationOutput {
  result: OperationResult;
  version?: number;
  value?: string;
  /** history: how many versions */
  count?: number;
  /** history: the version numbers it listed (for reading a failing history; the checker counts them) */
  listed?: number[];
  /** version-conflict: the current version */
  current?: number;
}

export interface RecordedOperation {
  client: number;
  name: string;
  input: OperationInput;
  output: OperationOutput;
  call: number;
  /** Never for an unknown write: it may take effect any time after its call (set by finish()). */
  return: number;
  /** A read made after healing, to check that every acknowledged write survived. */
  final?: boolean;
  /** Which replica served it (for reading a failing history beside the replicas' logs; the checker ignores it). */
  node?: string;
}

export interface History {
  id: string;
  operations: RecordedOperation[];
}

/** Return time of an operation whose outcome is unknown: after everything else. */
export const NEVER_RETURNED = 1e15;
