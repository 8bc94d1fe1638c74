import { quote, RuleViolation } from './env-reader';

export interface PeerInfo {
  id: string;
  /** An http(s) origin, without a trailing slash. */
  url: string;
}

/** Replica ids end up in schema names, log lines and signed headers, so they stay plain. */
export const NODE_ID_PATTERN = /^[a-z0-9-]{1,63}$/;

/** The Shamir library works over GF(2^8): share x-coordinates are 1..255. */
export const MAX_REPLICAS = 255;

export function parseNodeId(raw: string): string {
  if (!NODE_ID_PATTERN.test(raw)) throw new RuleViolation(`must match [a-z0-9-]{1,63} (got ${quote(raw)})`);
  return raw;
}

/**
 * Parses `id=url,id=url,...`: every replica of the cluster, this one included.
 * `selfId` is undefined when VAULT_NODE_ID is itself invalid; that is reported there.
 */
export function parsePeers(raw: string, selfId: string | undefined, allowSingle = false): PeerInfo[] {
  const peers = raw.split(',').map((entry, index) => parsePeerEntry(entry.trim(), index + 1));
  rejectDuplicates(peers);
  if (selfId !== undefined && !peers.some((peer) => peer.id === selfId)) {
    throw new RuleViolation(`must list this replica itself: no entry has the id ${quote(selfId)} of VAULT_NODE_ID`);
  }
  if (peers.length < (allowSingle ? 1 : 2)) throw new RuleViolation(`must list at least 2 replicas (got ${peers.length}); one only with VAULT_ALLOW_SINGLE_REPLICA=true, for measurements`);
  if (peers.length > MAX_REPLICAS) {
    throw new RuleViolation(`must list at most ${MAX_REPLICAS} replicas, the Shamir library's limit (got ${peers.length})`);
  }
  return peers;
}

function parsePeerEntry(entry: string, position: number): PeerInfo {
  const separator = entry.indexOf('=');
  if (separator < 0) throw new RuleViolation(`entry ${position} (${quote(entry)}) must look like id=url`);
  const id = entry.slice(0, separator).trim();
  if (!NODE_ID_PATTERN.test(id)) {
    throw new RuleViolation(`entry ${position}: the id must match [a-z0-9-]{1,63} (got ${quote(id)})`);
  }
  return { id, url: parsePeerUrl(entry.slice(separator + 1).trim(), position) };
}

/**
 * Only an origin is accepted: the peer client appends `/internal/...` to it and signs that
 * path, so a base path, query or fragment would make every signed call fail to verify, and
 * credentials in the URL would bypass the peer secret we actually rely on.
 */
function parsePeerUrl(raw: string, position: number): string {
  const rule = `entry ${position}: the url must be an absolute http(s) URL like http://host:8200, without path, query or credentials (got ${quote(raw)})`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RuleViolation(rule);
  }
  const isHttp = url.protocol === 'http:' || url.protocol === 'https:';
  const isOrigin = url.pathname === '/' && !url.search && !url.hash && !raw.includes('?') && !raw.includes('#');
  if (!isHttp || !isOrigin || url.username || url.password) throw new RuleViolation(rule);
  return url.origin;
}

function rejectDuplicates(peers: PeerInfo[]): void {
  const ids = new Set<string>();
  const urls = new Set<string>();
  for (const { id, url } of peers) {
    if (ids.has(id)) throw new RuleViolation(`the id ${quote(id)} appears twice`);
    // Two ids on one URL would be one replica holding two shares: k-1 machines could then reconstruct.
    if (urls.has(url)) throw new RuleViolation(`the url ${quote(url)} appears twice`);
    ids.add(id);
    urls.add(url);
  }
}
