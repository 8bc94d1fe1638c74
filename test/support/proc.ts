import { readFile } from 'node:fs/promises';

/** One numeric field of /proc/<pid>/status (Linux): `VmRSS` in kB, `Threads` as a count, ... */
export async function procStatus(pid: number, field: 'VmRSS' | 'Threads'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** The resident memory of a process, in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  return (await procStatus(pid, 'VmRSS')) * 1024;
}
