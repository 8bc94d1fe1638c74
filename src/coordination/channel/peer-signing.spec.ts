import { createHash, createHmac } from 'node:crypto';
import { NonceCache } from './nonce-cache';
import { PEER_HEADERS, SignedHeaders, signPeerRequest, VerifyInput, verifyPeerRequest } from './peer-signing';

const SECRET = 'cluster-peer-secret-0123456789-abcdef';
const NOW = 1_700_000_000_000;
const PATH = '/internal/two-phase/prepare?attempt=1';
const BODY = JSON.stringify({ txId: 't1', share: 'AQID' });
const KNOWN = new Set(['n1', 'n2', 'n3']);

function signed(overrides: { nodeId?: string; now?: number; secret?: string } = {}): SignedHeaders {
  return signPeerRequest(overrides.secret ?? SECRET, overrides.nodeId ?? 'n1', 'post', PATH, BODY, overrides.now ?? NOW);
}

/** Verifies a request as the receiver at NOW sees it; every field can be swapped. */
function verify(headers: VerifyInput['headers'], changes: Partial<VerifyInput> = {}) {
  return verifyPeerRequest({
    secret: SECRET,
    method: 'POST',
    path: PATH,
    body: Buffer.from(BODY),
    headers,
    knownNodeIds: KNOWN,
    nonces: new NonceCache(),
    now: NOW,
    ...changes,
  });
}

/** Re-signs nothing: swaps one header of an honestly signed request. */
function tampered(name: keyof SignedHeaders, value: string): SignedHeaders {
  return { ...signed(), [name]: value };
}

describe('signPeerRequest', () => {
  it('sets the four headers: node, millisecond timestamp, 128-bit hex nonce, hex HMAC-SHA256', () => {
    const headers = signed();
    expect(Object.keys(headers).sort()).toEqual(Object.values(PEER_HEADERS).sort());
    expect(headers['x-vault-node']).toBe('n1');
    expect(headers['x-vault-timestamp']).toBe(String(NOW));
    expect(headers['x-vault-nonce']).toMatch(/^[0-9a-f]{32}$/);
    expect(headers['x-vault-signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs the documented canonical string, so another implementation can interoperate', () => {
    const headers = signed();
    const bodyDigest = createHash('sha256').update(BODY).digest('hex');
    const canonical = ['vault-peer-request-v1', 'POST', PATH, bodyDigest, String(NOW), headers['x-vault-nonce'], 'n1'].join('\n');
    expect(headers['x-vault-signature']).toBe(createHmac('sha256', SECRET).update(canonical).digest('hex'));
  });

  it('uses a fresh nonce for every request', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => signed()['x-vault-nonce']));
    expect(nonces.size).toBe(100);
  });
});

describe('verifyPeerRequest', () => {
  it('accepts a well signed request and names its sender', () => {
    expect(verify(signed())).toEqual({ ok: true, nodeId: 'n1' });
  });

  it('accepts the body as a string or a Buffer, and the method in any case', () => {
    expect(verify(signed(), { body: BODY, method: 'post' })).toEqual({ ok: true, nodeId: 'n1' });
  });

  describe('refuses a request changed after signing', () => {
    it.each([
      ['method', { method: 'PUT' }],
      ['path', { path: '/internal/two-phase/commit?attempt=1' }],
      ['query string', { path: '/internal/two-phase/prepare?attempt=2' }],
      ['body', { body: BODY.replace('t1', 't2') }],
      ['empty body', { body: '' }],
    ] as const)('in its %s', (_, change) => {
      expect(verify(signed(), change)).toEqual({ ok: false, reason: 'bad-signature' });
    });

    it.each([
      ['timestamp', PEER_HEADERS.timestamp, String(NOW + 1)],
      ['nonce', PEER_HEADERS.nonce, 'f'.repeat(32)],
      ['node', PEER_HEADERS.node, 'n2'],
      ['signature', PEER_HEADERS.signature, '0'.repeat(64)],
    ] as const)('in its %s header', (_, header, value) => {
      expect(verify(tampered(header, value))).toEqual({ ok: false, reason: 'bad-signature' });
    });
  });

  it('refuses a request signed with another secret', () => {
    expect(verify(signed({ secret: 'another-secret-0123456789-abcdefghij' }))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['31 s old', NOW - 31_000],
    ['31 s in the future', NOW + 31_000],
  ])('refuses a request signed %s', (_, signedAt) => {
    expect(verify(signed({ now: signedAt }))).toEqual({ ok: false, reason: 'stale' });
  });

  it('accepts a request up to 30 s off either way, and honours a custom window', () => {
    expect(verify(signed({ now: NOW - 30_000 }))).toEqual({ ok: true, nodeId: 'n1' });
    expect(verify(signed({ now: NOW + 30_000 }))).toEqual({ ok: true, nodeId: 'n1' });
    expect(verify(signed({ now: NOW - 5_001 }), { maxSkewMs: 5_000 })).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses a replay of the same signed request, even from another header object', () => {
    const nonces = new NonceCache();
    const headers = signed();
    expect(verify(headers, { nonces })).toEqual({ ok: true, nodeId: 'n1' });
    expect(verify({ ...headers }, { nonces, now: NOW + 20_000 })).toEqual({ ok: false, reason: 'replayed' });
  });

  it('records nonces only for valid requests, so a forger cannot burn them', () => {
    const nonces = new NonceCache();
    const headers = signed();
    expect(verify({ ...headers, [PEER_HEADERS.signature]: 'a'.repeat(64) }, { nonces })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify({ ...headers, [PEER_HEADERS.node]: 'intruder' }, { nonces })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(nonces.size).toBe(0);
    expect(verify(headers, { nonces })).toEqual({ ok: true, nodeId: 'n1' });
  });

  it('refuses a node that is not in the cluster, even with the right secret', () => {
    const nonces = new NonceCache();
    expect(verify(signed({ nodeId: 'n9' }), { nonces })).toEqual({ ok: false, reason: 'unknown-node' });
    expect(nonces.size).toBe(0);
  });

  it.each(Object.values(PEER_HEADERS))('refuses a request without %s', (header) => {
    const headers: Record<string, string | undefined> = { ...signed() };
    delete headers[header];
    expect(verify(headers)).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ ...signed(), [header]: '' })).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['a timestamp that is not decimal milliseconds', PEER_HEADERS.timestamp, '1.7e12'],
    ['a negative timestamp', PEER_HEADERS.timestamp, '-1'],
    ['a short nonce', PEER_HEADERS.nonce, 'abc123'],
    ['an upper-case nonce', PEER_HEADERS.nonce, 'A'.repeat(32)],
    ['a signature that is not 64 hex digits', PEER_HEADERS.signature, 'zz'],
    ['a node id with a newline', PEER_HEADERS.node, 'n1\nn2'],
  ])('refuses %s as malformed', (_, header, value) => {
    expect(verify(tampered(header, value))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a header sent twice as malformed', () => {
    const headers = signed();
    expect(verify({ ...headers, [PEER_HEADERS.nonce]: [headers['x-vault-nonce'], headers['x-vault-nonce']] })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses to run with a nonce cache that forgets before timestamps go stale', () => {
    expect(() => verify(signed(), { nonces: new NonceCache(59_999) })).toThrow(/replays would pass/);
    expect(verify(signed(), { nonces: new NonceCache(10_000), maxSkewMs: 5_000 })).toEqual({ ok: true, nodeId: 'n1' });
  });
});
