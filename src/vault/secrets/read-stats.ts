/** Counters that /status shows: what reads skipped and what read repair did. */
export class ReadStats {
  readonly repair = { attempted: 0, succeeded: 0, skippedNewer: 0, skippedLocked: 0, failed: 0 };
  readonly shares = { corruptSkipped: 0, foreignSkipped: 0 };

  snapshot() {
    return { repair: { ...this.repair }, shares: { ...this.shares } };
  }
}
