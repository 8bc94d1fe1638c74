import { Clock } from '../../common/clock';

/** How long a version known to be well placed is not checked again by this replica. */
export const PLACEMENT_CHECK_TTL_MS = 60_000;
const PLACEMENT_MEMORY_SIZE = 100_000;

/** One version of one split, at one revision of its name: what a placement check vouches for. */
export interface PlacedVersion {
  name: string;
  lifetimeId: string | null;
  version: number;
  revision: number;
  splitId: string;
}

/**
 * The versions this replica knows to be well placed, and until when (docs/model.md, "Read
 * repair"). Two things vouch for a version: a placement check that found enough good
 * shares, and a commit this replica coordinated in which every replica voted yes (each
 * holds a prepared share of that split, which the outcome makes the version's). Either
 * way the knowledge is of one moment, and is trusted for a minute, after which the next
 * read of the version checks again. Bounded: past its size, the oldest entry goes first.
 */
export class PlacementMemory {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly size = PLACEMENT_MEMORY_SIZE,
  ) {}

  isFresh(version: PlacedVersion): boolean {
    return (this.until.get(keyOf(version)) ?? 0) > this.clock.now();
  }

  remember(version: PlacedVersion): void {
    const key = keyOf(version);
    // Re-inserted, so that the map's order stays the order of expiry.
    this.until.delete(key);
    if (this.until.size >= this.size) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
    this.until.set(key, this.clock.now() + PLACEMENT_CHECK_TTL_MS);
  }
}

function keyOf(v: PlacedVersion): string {
  return `${v.name}\n${v.lifetimeId}\n${v.version}\n${v.revision}\n${v.splitId}`;
}
