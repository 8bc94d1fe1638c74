import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Measurement aid (VAULT_CPU_PROFILE_DIR, docs/benchmarks.md): the first SIGUSR2 starts a
 * CPU profile of this process, the next writes it to the directory as a .cpuprofile file
 * (function names and timings only; no data). `npm run bench` profiles one replica under
 * the read load this way.
 */
export function profileOnSignal(dir: string, onWritten: (path: string) => void): void {
  let session: Session | null = null;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!session) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
        return;
      }
      const current = session;
      session = null;
      const { profile } = await current.post('Profiler.stop');
      current.disconnect();
      const path = join(dir, `replica-${process.pid}-${Date.now()}.cpuprofile`);
      await writeFile(path, JSON.stringify(profile));
      onWritten(path);
    })();
  });
}
