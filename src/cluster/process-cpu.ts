import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, seconds) a process has used so far, from /proc/<pid>/stat;
 * 0 when it is gone or /proc is not there (not Linux).
 */
export function cpuSecondsOf(pid: number, readStat: (pid: number) => string = defaultReadStat): number {
  let stat: string;
  try {
    stat = readStat(pid);
  } catch {
    return 0;
  }
  // The command name is in parentheses and may hold spaces: fields count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : 0;
}

/** A process's resident memory in MiB, from /proc/<pid>/status; 0 when it cannot be read. */
export function residentMiBOf(pid: number, readStatus: (pid: number) => string = (p) => readFileSync(`/proc/${p}/status`, 'utf8')): number {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readStatus(pid));
    return kib ? Math.round(Number(kib[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** The processes named `name` (their `comm`), e.g. every Postgres backend. */
export function pidsNamed(name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * How many cores each group of processes kept busy over an interval. Groups are listed
 * again at the end, so processes that started meanwhile (Postgres backends) count from
 * zero; ones that ended meanwhile are left out (their last ticks are lost).
 */
export class CpuMeter {
  private started = 0;
  private before = new Map<number, number>();

  constructor(
    private readonly groups: Record<string, () => number[]>,
    private readonly cpuSeconds: (pid: number) => number = (pid) => cpuSecondsOf(pid),
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    this.started = this.now();
    this.before = new Map();
    for (const list of Object.values(this.groups)) for (const pid of list()) this.before.set(pid, this.cpuSeconds(pid));
  }

  /** Cores busy per group since start(). */
  stop(): Record<string, number> {
    const seconds = Math.max(1e-9, (this.now() - this.started) / 1000);
    const cores: Record<string, number> = {};
    for (const [group, list] of Object.entries(this.groups)) {
      let used = 0;
      for (const pid of list()) {
        const now = this.cpuSeconds(pid);
        if (now > 0) used += now - (this.before.get(pid) ?? 0);
      }
      cores[group] = Math.round((100 * used) / seconds) / 100;
    }
    return cores;
  }
}

function defaultReadStat(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8');
}
