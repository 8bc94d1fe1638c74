import { ABSENT_VIEW, NameView } from '../protocol';

/**
 * The authoritative view of a name among the replicas that answered: the highest revision.
 * Every committed change reached at least m replicas (or left them locked), and any two
 * sets of m replicas share one because m > n/2, so m answers always include the latest
 * committed change.
 */
export function authoritativeView(views: Iterable<NameView | undefined>): NameView {
  let best: NameView = ABSENT_VIEW;
  for (const view of views) {
    if (view && view.revision > best.revision) best = view;
  }
  return best;
}

/** Whether the repair rule (docs/model.md, "Read repair") fires for s consistent shares. */
export function shouldRepair(s: number, k: number, b: number, n: number): boolean {
  return s >= k && s <= k + b && s < n;
}

/** The next validFrom: the gateway time, forced strictly above the previous version's. */
export function nextValidFrom(gatewayTime: number, view: NameView): number {
  const floor = Math.max(view.lastValidFrom ?? Number.NEGATIVE_INFINITY, view.deletedAt ?? Number.NEGATIVE_INFINITY);
  return Math.max(gatewayTime, floor + 1);
}
