import { FetchRow } from './model';

/** Entries kept at most, and bytes of share data. */
const MAX_ENTRIES = 100_000;
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * What share fetches read, kept in memory: a replica's state has one writer (this
 * process), which tells the cache every name it changes once the change is committed, so
 * a cached answer is never older than the database, and the read path, which peers hit
 * on every read, mostly needs no query. It holds only this replica's own rows (its views,
 * lock info and its own shares), nothing its database does not already hold.
 *
 * A query that raced a write must not fill the cache with what it read before the write:
 * every name has a generation, bumped on each change, and a result is kept only if the
 * generation did not move while it was being read.
 */
export class ReadCache {
  private readonly entries = new Map<string, { row: FetchRow; bytes: number }>();
  private readonly byName = new Map<string, Set<string>>();
  private readonly generations = new Map<string, number>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  generation(name: string): number {
    return this.generations.get(name) ?? 0;
  }

  get(name: string, version: number | undefined): FetchRow | undefined {
    const key = keyOf(name, version);
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    // Refresh its place: the Map's order is the eviction order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.row;
  }

  /** Keeps `row` unless `name` changed since `generation` was read. */
  put(name: string, version: number | undefined, row: FetchRow, generation: number): void {
    if (this.generation(name) !== generation) return;
    const key = keyOf(name, version);
    this.remove(key);
    const bytes = (row.share?.share.length ?? 0) + 256;
    this.entries.set(key, { row, bytes });
    this.bytes += bytes;
    if (!this.byName.has(name)) this.byName.set(name, new Set());
    this.byName.get(name)!.add(key);
    while (this.entries.size > MAX_ENTRIES || this.bytes > MAX_BYTES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  /** Called with every name a committed write changed. */
  invalidate(names: Iterable<string>): void {
    for (const name of names) {
      this.generations.set(name, this.generation(name) + 1);
      for (const key of this.byName.get(name) ?? []) this.remove(key);
      this.byName.delete(name);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    const name = key.slice(0, key.indexOf('\n'));
    this.byName.get(name)?.delete(key);
  }
}

function keyOf(name: string, version: number | undefined): string {
  return `${name}\n${version ?? ''}`;
}
