import { spawn } from 'node:child_process';

export interface ToolRun {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs a test runner to completion, keeping its stdout and stderr interleaved. */
export function runTool(command: string, args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ToolRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 180_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/** Fails with the runner's own output when it did not exit 0. */
export function expectPassed(name: string, run: ToolRun): void {
  if (run.code !== 0) throw new Error(`${name} failed (exit ${run.code}):\n${run.output.slice(-12_000)}`);
}
