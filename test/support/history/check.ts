import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { History, NEVER_RETURNED, RecordedOperation } from './types';

/** The repository's root, wherever this file was compiled to. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error('not inside the repository');
    dir = dirname(dir);
  }
  return dir;
}

export const CHECKER_BINARY = join(repoRoot(), '.tools', 'bin', 'vault-checker');

export interface Violation {
  history: string;
  kind: 'not-linearizable' | 'value-never-written' | 'acknowledged-write-unreadable' | 'checker-timeout' | 'state-after-healing';
  name?: string;
  detail: string;
  visualization?: string;
}

/** An operation whose outcome is unknown may take effect any time after it was called. */
export function finish(operation: RecordedOperation): RecordedOperation {
  return operation.output.result === 'unknown' ? { ...operation, return: NEVER_RETURNED } : operation;
}

/**
 * The one checker of both harnesses: linearizability of every name's history (test/checker,
 * Porcupine, which also catches a version number used twice and a deleted name read back),
 * plus: no read returns a value never written, and after healing every name that had an
 * acknowledged write can be read.
 */
export function checkHistories(histories: History[], workDir: string, timeoutMs = 20_000): Violation[] {
  if (!existsSync(CHECKER_BINARY)) throw new Error(`${CHECKER_BINARY} is missing: run bash scripts/install-tools.sh`);
  mkdirSync(workDir, { recursive: true });
  const violations: Violation[] = [];
  for (const history of histories) violations.push(...checkValues(history), ...checkFinalReads(history));

  const input = join(workDir, 'histories.json');
  const prepared = histories.map((h) => ({
    id: h.id,
    operations: h.operations.filter((op) => !(isRead(op) && op.output.result === 'no-effect')).map(finish),
  }));
  writeFileSync(input, JSON.stringify({ histories: prepared, visualizeDir: workDir, timeoutMs }));
  const output = execFileSync(CHECKER_BINARY, [input], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const { results } = JSON.parse(output) as {
    results: Array<{ id: string; linearizable: boolean; unknown?: boolean; name?: string; visualization?: string }>;
  };
  for (const result of results) {
    if (!result.linearizable) {
      violations.push({
        history: result.id,
        kind: 'not-linearizable',
        name: result.name,
        detail: `the operations on ${result.name} have no linearization`,
        visualization: result.visualization,
      });
    } else if (result.unknown) {
      violations.push({ history: result.id, kind: 'checker-timeout', name: result.name, detail: 'the checker ran out of time' });
    }
  }
  return violations;
}

function isRead(op: RecordedOperation): boolean {
  return op.input.kind === 'read' || op.input.kind === 'history';
}

function checkValues(history: History): Violation[] {
  const written = new Map<string, Set<string>>();
  for (const op of history.operations) {
    if ((op.input.kind === 'create' || op.input.kind === 'update') && op.input.value !== undefined) {
      if (!written.has(op.name)) written.set(op.name, new Set());
      written.get(op.name)!.add(op.input.value);
    }
  }
  return history.operations
    .filter((op) => op.input.kind === 'read' && op.output.result === 'ok' && !written.get(op.name)?.has(op.output.value ?? ''))
    .map((op) => ({
      history: history.id,
      kind: 'value-never-written' as const,
      name: op.name,
      detail: `client ${op.client} read a value of ${op.name} that no write of it ever carried`,
    }));
}

function checkFinalReads(history: History): Violation[] {
  const acknowledged = new Set(history.operations.filter((op) => !isRead(op) && op.output.result === 'ok').map((op) => op.name));
  return history.operations
    .filter((op) => op.final && acknowledged.has(op.name) && (op.output.result === 'no-effect' || op.output.result === 'unknown'))
    .map((op) => ({
      history: history.id,
      kind: 'acknowledged-write-unreadable' as const,
      name: op.name,
      detail: `after healing, ${op.name} (which had acknowledged writes) could not be read`,
    }));
}
