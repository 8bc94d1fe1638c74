import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root';
import { History, NEVER_RETURNED, RecordedOperation } from './types';

export const CHECKER_BINARY = join(repoRoot(), '.tools', 'bin', 'vault-checker');

export interface Violation {
  history: string;
  kind:
    | 'not-linearizable'
    | 'value-never-written'
    | 'acknowledged-write-unreadable'
    | 'deleted-name-read-back'
    | 'version-used-twice'
    | 'checker-timeout'
    | 'state-after-healing';
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
 * Porcupine, which also catches a version number used twice and a deleted name read back:
 * see its model_test.go), plus: no read returns a value never written, after healing every
 * name that had an acknowledged write can be read, and two plain checks that say in so many
 * words what Porcupine's "not linearizable" would say about a revived delete or a reused
 * version number.
 */
export function checkHistories(histories: History[], workDir: string, timeoutMs = 20_000): Violation[] {
  if (!existsSync(CHECKER_BINARY)) throw new Error(`${CHECKER_BINARY} is missing: run bash scripts/install-tools.sh`);
  mkdirSync(workDir, { recursive: true });
  const violations: Violation[] = [];
  for (const history of histories) {
    violations.push(...checkValues(history), ...checkFinalReads(history), ...checkDeletedReadBack(history), ...checkVersionsUsedOnce(history));
  }

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

/** The interval in which an operation may take effect: an unknown one any time after its call. */
function latest(op: RecordedOperation): number {
  return op.output.result === 'unknown' ? NEVER_RETURNED : op.return;
}

/** Might have taken effect (acknowledged, or unknown). */
function mayHaveHappened(op: RecordedOperation): boolean {
  return op.output.result === 'ok' || op.output.result === 'unknown';
}

/**
 * A read (or history) that began after an acknowledged delete had returned and found the
 * name, when no create that could fall between the two exists.
 */
function checkDeletedReadBack(history: History): Violation[] {
  const violations: Violation[] = [];
  const ops = history.operations;
  for (const del of ops.filter((op) => op.input.kind === 'delete' && op.output.result === 'ok')) {
    const creates = ops.filter((op) => op.name === del.name && op.input.kind === 'create' && mayHaveHappened(op) && latest(op) > del.call);
    const revived = ops.find(
      (op) => op.name === del.name && isRead(op) && op.output.result === 'ok' && op.call > del.return && !creates.some((c) => c.call < op.return),
    );
    if (revived) {
      violations.push({
        history: history.id,
        kind: 'deleted-name-read-back',
        name: del.name,
        detail: `client ${revived.client} found ${del.name} at ${revived.call} ms, after client ${del.client}'s delete was acknowledged at ${del.return} ms, and no create came between`,
      });
    }
  }
  return violations;
}

/** Two acknowledged writes of one name with the same version number and no delete that could fall between them. */
function checkVersionsUsedOnce(history: History): Violation[] {
  const violations: Violation[] = [];
  const ops = history.operations;
  const writes = ops.filter((op) => (op.input.kind === 'create' || op.input.kind === 'update') && op.output.result === 'ok' && op.output.version);
  const deletes = ops.filter((op) => op.input.kind === 'delete' && mayHaveHappened(op));
  for (let i = 0; i < writes.length; i++) {
    for (let j = i + 1; j < writes.length; j++) {
      const [a, b] = [writes[i], writes[j]];
      if (a.name !== b.name || a.output.version !== b.output.version) continue;
      const from = Math.min(a.call, b.call);
      const to = Math.max(a.return, b.return);
      if (deletes.some((d) => d.name === a.name && d.call < to && latest(d) > from)) continue;
      violations.push({
        history: history.id,
        kind: 'version-used-twice',
        name: a.name,
        detail: `clients ${a.client} and ${b.client} were both told they wrote version ${a.output.version} of ${a.name}, with no delete between`,
      });
    }
  }
  return violations;
}
