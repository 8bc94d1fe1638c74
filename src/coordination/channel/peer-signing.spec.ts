import { createHash, createHmac } from 'node:crypto';
import { NonceWindow } from './nonce-window';
import { PEER_HEADERS, sha256Hex, signAnswer, signRequest, verifyAnswer, verifyRequestHeaders, VerifyInput } from './peer-signing';

const SECRET = 'peer-secret-0123456789-abcdefghijklmnop';
const OTHER_SECRET = 'another-secret-0123456789-abcdefghij';
const STARTED = 1_700_000_000_000;
const NOW = STARTED + 60_000;
const PATH = '/internal/batch';
const BODY = Buffer.from(JSON.stringify({ m: [{ i: 0, r: 'tx/prepare', b: { txId: 't1' } }] }));
const KNOWN = new Set(['n1', 'n2', 'n3']);

type Headers = Record<string, string | string[] | undefined>;

/** A request as n1 signs it, with the content-length Node adds when it sends the body. */
function signed(overrides: { nodeId?: string; target?: string; now?: number; secret?: string; body?: Buffer; method?: string } = {}) {
  const body = overrides.body ?? BODY;
  const request = signRequest(overrides.secret ?? SECRET, overrides.nodeId ?? 'n1', overrides.target ?? 'n2', overrides.method ?? 'POST', PATH, body, overrides.now ?? NOW);
  const headers: Headers = { ...request.headers, 'content-length': String(body.length) };
  return { headers, nonce: request.nonce };
}

/** Checks a request's headers as the receiver at NOW does; every input can be swapped. */
function verify(headers: Headers, changes: Partial<VerifyInput> = {}) {
  return verifyRequestHeaders({
    secrets: [SECRET],
    method: 'POST',
    path: PATH,
    headers,
    knownNodeIds: KNOWN,
    selfId: 'n2',
    nonces: new NonceWindow(STARTED),
    now: NOW,
    ...changes,
  });
}

describe('signRequest', () => {
  it('sets node, millisecond timestamp, 128-bit hex nonce, the body digest and a hex HMAC-SHA256', () => {
    const { headers, nonce } = signRequest(SECRET, 'n1', 'n2', 'POST', PATH, BODY, NOW);
    expect(Object.keys(headers).sort()).toEqual(Object.values(PEER_HEADERS).sort());
    expect(headers[PEER_HEADERS.node]).toBe('n1');
    expect(headers[PEER_HEADERS.timestamp]).toBe(String(NOW));
    expect(headers[PEER_HEADERS.nonce]).toMatch(/^[0-9a-f]{32}$/);
    expect(headers[PEER_HEADERS.nonce]).toBe(nonce);
    expect(headers[PEER_HEADERS.bodyDigest]).toBe(createHash('sha256').update(BODY).digest('hex'));
    expect(headers[PEER_HEADERS.signature]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs method, path, body length and digest, timestamp, nonce, node and target under its own context string', () => {
    const { headers } = signRequest(SECRET, 'n1', 'n2', 'post', PATH, BODY, NOW);
    const fields = ['vault-peer-request-v2', 'POST', PATH, String(BODY.length), sha256Hex(BODY), String(NOW), headers[PEER_HEADERS.nonce], 'n1', 'n2'];
    expect(headers[PEER_HEADERS.signature]).toBe(createHmac('sha256', SECRET).update(fields.join('\n')).digest('hex'));
  });

  it('uses a fresh nonce for every request', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => signed().nonce));
    expect(nonces.size).toBe(100);
  });
});

describe('verifyRequestHeaders', () => {
  it('accepts a well signed request and names its sender, nonce and signed body digest', () => {
    const { headers, nonce } = signed();
    expect(verify(headers)).toEqual({ ok: true, nodeId: 'n1', nonce, bodyDigest: sha256Hex(BODY) });
  });

  it('takes the method in any case', () => {
    expect(verify(signed({ method: 'post' }).headers, { method: 'POST' })).toMatchObject({ ok: true });
    expect(verify(signed().headers, { method: 'post' })).toMatchObject({ ok: true });
  });

  it('gives the digest the body must match once read: the body itself is checked after the headers', () => {
    const check = verify(signed().headers);
    if (!check.ok) throw new Error('expected a valid request');
    expect(sha256Hex(BODY)).toBe(check.bodyDigest);
    expect(sha256Hex(Buffer.from(BODY.toString().replace('t1', 't2')))).not.toBe(check.bodyDigest);
  });

  describe('refuses a request changed after signing', () => {
    it.each([
      ['method', { method: 'PUT' }],
      ['path', { path: '/internal/other' }],
      ['query string', { path: `${PATH}?x=1` }],
    ] as const)('in its %s', (_, change) => {
      expect(verify(signed().headers, change)).toEqual({ ok: false, reason: 'bad-signature' });
    });

    it.each([
      ['timestamp', PEER_HEADERS.timestamp, String(NOW + 1)],
      ['nonce', PEER_HEADERS.nonce, 'f'.repeat(32)],
      ['node', PEER_HEADERS.node, 'n2'],
      ['body digest', PEER_HEADERS.bodyDigest, sha256Hex('another body')],
      ['signature', PEER_HEADERS.signature, '0'.repeat(64)],
      ['content length', 'content-length', String(BODY.length + 1)],
    ])('in its %s header', (_, header, value) => {
      expect(verify({ ...signed().headers, [header]: value })).toEqual({ ok: false, reason: 'bad-signature' });
    });
  });

  it('refuses a request signed with another secret', () => {
    expect(verify(signed({ secret: OTHER_SECRET }).headers)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['more than 30 s old', NOW - 30_001],
    ['more than 30 s in the future', NOW + 30_001],
    ['before the receiving process started', STARTED - 1],
  ])('refuses a request signed %s as stale', (_, signedAt) => {
    expect(verify(signed({ now: signedAt }).headers)).toEqual({ ok: false, reason: 'stale' });
  });

  it('accepts a request up to 30 s off either way', () => {
    expect(verify(signed({ now: NOW - 30_000 }).headers)).toMatchObject({ ok: true });
    expect(verify(signed({ now: NOW + 30_000 }).headers)).toMatchObject({ ok: true });
  });

  it('refuses a replay of the same signed request, even from another header object', () => {
    const nonces = new NonceWindow(STARTED);
    const { headers } = signed();
    expect(verify(headers, { nonces })).toMatchObject({ ok: true });
    expect(verify({ ...headers }, { nonces, now: NOW + 20_000 })).toEqual({ ok: false, reason: 'replayed' });
  });

  it('records a nonce only once the signature is valid, so nobody without the secret can burn nonces or fill the window', () => {
    const nonces = new NonceWindow(STARTED);
    const { headers } = signed();
    expect(verify({ ...headers, [PEER_HEADERS.signature]: 'a'.repeat(64) }, { nonces })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify({ ...headers, [PEER_HEADERS.node]: 'intruder' }, { nonces })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify(signed({ secret: OTHER_SECRET }).headers, { nonces })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(nonces.size).toBe(0);
    expect(verify(headers, { nonces })).toMatchObject({ ok: true });
    expect(nonces.size).toBe(1);
  });

  it('refuses a node that is not in the cluster, even with the right secret, and keeps no nonce for it', () => {
    const nonces = new NonceWindow(STARTED);
    expect(verify(signed({ nodeId: 'n9' }).headers, { nonces })).toEqual({ ok: false, reason: 'unknown-node' });
    expect(nonces.size).toBe(0);
  });

  it.each([...Object.values(PEER_HEADERS), 'content-length'])('refuses a request without %s', (header) => {
    const headers = { ...signed().headers };
    delete headers[header];
    expect(verify(headers)).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ ...signed().headers, [header]: '' })).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['a timestamp that is not decimal milliseconds', PEER_HEADERS.timestamp, '1.7e12'],
    ['a negative timestamp', PEER_HEADERS.timestamp, '-1'],
    ['a short nonce', PEER_HEADERS.nonce, 'abc123'],
    ['an upper-case nonce', PEER_HEADERS.nonce, 'A'.repeat(32)],
    ['a body digest that is not 64 hex digits', PEER_HEADERS.bodyDigest, 'xyz'],
    ['a signature that is not 64 hex digits', PEER_HEADERS.signature, 'zz'],
    ['a node id with a newline', PEER_HEADERS.node, 'n1\nn2'],
    ['a content length that is not a number', 'content-length', '12a'],
  ])('refuses %s as malformed', (_, header, value) => {
    expect(verify({ ...signed().headers, [header]: value })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a header sent twice as malformed', () => {
    const { headers, nonce } = signed();
    expect(verify({ ...headers, [PEER_HEADERS.nonce]: [nonce, nonce] })).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('signAnswer and verifyAnswer: an answer is bound to its request, status, body and responder', () => {
  const ANSWER = Buffer.from(JSON.stringify({ a: [{ i: 0, ok: true, v: { yes: true } }] }));
  const requestNonce = signed().nonce;
  const answerHeaders = (overrides: { secret?: string; node?: string; nonce?: string; status?: number; body?: Buffer } = {}): Headers =>
    signAnswer(overrides.secret ?? SECRET, overrides.node ?? 'n2', overrides.nonce ?? requestNonce, overrides.status ?? 200, overrides.body ?? ANSWER);
  const check = (headers: Headers, changes: { expectedNode?: string; nonce?: string; status?: number; body?: Buffer; secret?: string } = {}) =>
    verifyAnswer([changes.secret ?? SECRET], changes.expectedNode ?? 'n2', changes.nonce ?? requestNonce, changes.status ?? 200, headers, changes.body ?? ANSWER);

  it('accepts the answer the asked replica gave to this request', () => {
    expect(check(answerHeaders())).toBe(true);
  });

  it('signs the request nonce, status, body length and digest and the responder under the answer context', () => {
    const headers = answerHeaders();
    const fields = ['vault-peer-answer-v2', requestNonce, '200', String(ANSWER.length), sha256Hex(ANSWER), 'n2'];
    expect(headers[PEER_HEADERS.signature]).toBe(createHmac('sha256', SECRET).update(fields.join('\n')).digest('hex'));
    expect(headers[PEER_HEADERS.node]).toBe('n2');
    expect(headers[PEER_HEADERS.bodyDigest]).toBe(sha256Hex(ANSWER));
  });

  it('refuses an answer signed for another request (another nonce): an old answer cannot be replayed', () => {
    expect(check(answerHeaders({ nonce: signed().nonce }))).toBe(false);
  });

  it('refuses an answer whose status was changed', () => {
    expect(check(answerHeaders(), { status: 500 })).toBe(false);
    expect(check(answerHeaders({ status: 401 }))).toBe(false);
  });

  it('refuses a tampered body, of the same or another length', () => {
    const sameLength = Buffer.from(ANSWER.toString().replace('true', 'fals'));
    expect(sameLength.length).toBe(ANSWER.length);
    expect(check(answerHeaders(), { body: sameLength })).toBe(false);
    expect(check(answerHeaders(), { body: Buffer.concat([ANSWER, Buffer.from(' ')]) })).toBe(false);
  });

  it('refuses an answer whose body digest header does not match its body', () => {
    const forged = Buffer.from('{"a":[]}');
    const headers = { ...answerHeaders(), [PEER_HEADERS.bodyDigest]: sha256Hex(forged) };
    expect(check(headers)).toBe(false);
  });

  it('refuses an answer from another replica than the one asked, however well it is signed', () => {
    expect(check(answerHeaders({ node: 'n3' }))).toBe(false);
    expect(check(answerHeaders(), { expectedNode: 'n3' })).toBe(false);
    expect(check({ ...answerHeaders(), [PEER_HEADERS.node]: 'n3' }, { expectedNode: 'n3' })).toBe(false);
  });

  it('refuses an answer signed with another secret', () => {
    expect(check(answerHeaders({ secret: OTHER_SECRET }))).toBe(false);
  });

  it('refuses an unsigned answer, and one with a missing, malformed or repeated header', () => {
    expect(check({})).toBe(false);
    for (const header of [PEER_HEADERS.node, PEER_HEADERS.bodyDigest, PEER_HEADERS.signature]) {
      const headers = { ...answerHeaders() };
      delete headers[header];
      expect(check(headers)).toBe(false);
    }
    expect(check({ ...answerHeaders(), [PEER_HEADERS.signature]: 'zz' })).toBe(false);
    const good = answerHeaders();
    expect(check({ ...good, [PEER_HEADERS.signature]: [good[PEER_HEADERS.signature] as string, good[PEER_HEADERS.signature] as string] })).toBe(false);
  });

  it('never takes a request signature for an answer signature (separate contexts)', () => {
    // A request whose signed fields line up with an answer's still carries the request context.
    const request = signRequest(SECRET, 'n2', 'n1', 'POST', PATH, ANSWER, NOW);
    const headers = { [PEER_HEADERS.node]: 'n2', [PEER_HEADERS.bodyDigest]: sha256Hex(ANSWER), [PEER_HEADERS.signature]: request.headers[PEER_HEADERS.signature] };
    expect(verifyAnswer([SECRET], 'n2', request.nonce, 200, headers, ANSWER)).toBe(false);
  });
});
