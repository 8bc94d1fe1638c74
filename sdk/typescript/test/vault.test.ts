// End-to-end tests of the TypeScript client against a real cluster, run by node:test.
// `npm test` starts 5 replicas and sets VAULT_URLS (comma-separated) and VAULT_TOKEN
// (test/sdk/sdks.e2e-spec.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { applyEnvText, createVaultClient, type VaultClient } from '../src/index';

let clients: VaultClient[] = [];
let urls: string[] = [];
const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

before(() => {
  const token = process.env.VAULT_TOKEN;
  urls = (process.env.VAULT_URLS ?? '').split(',').filter(Boolean);
  if (!token || urls.length === 0) {
    throw new Error('VAULT_URLS and VAULT_TOKEN are not set: run through `npm test` (test/sdk/sdks.e2e-spec.ts starts the cluster)');
  }
  assert.ok(urls.length >= 5, `want 5 replicas, got ${urls.length}`);
  clients = urls.map((baseUrl) => createVaultClient({ baseUrl, token }));
});

test('create, read (latest and a version), update with and without expectedVersion, history, delete', async () => {
  const name = unique('TS_LIFECYCLE');

  const created = await clients[0].POST('/v1/secrets', { body: { name, value: 'v1' } });
  assert.equal(created.response.status, 201);
  assert.equal(created.data?.version, 1);
  assert.equal(created.response.headers.get('location'), `/v1/secrets/${name}`);

  const latest = await clients[1].GET('/v1/secrets/{name}', { params: { path: { name } } });
  assert.deepEqual([latest.data?.value, latest.data?.version, latest.data?.validTo], ['v1', 1, null]);

  const v2 = await clients[2].PUT('/v1/secrets/{name}', { params: { path: { name } }, body: { value: 'v2' } });
  assert.equal(v2.data?.version, 2);
  const v3 = await clients[3].PUT('/v1/secrets/{name}', { params: { path: { name } }, body: { value: 'v3', expectedVersion: 2 } });
  assert.equal(v3.data?.version, 3);

  const stale = await clients[4].PUT('/v1/secrets/{name}', { params: { path: { name } }, body: { value: 'v4', expectedVersion: 1 } });
  assert.equal(stale.response.status, 409);
  assert.equal(stale.data, undefined);
  assert.equal(stale.error?.code, 'VERSION_CONFLICT');
  assert.equal(stale.error?.currentVersion, 3);

  const first = await clients[4].GET('/v1/secrets/{name}', { params: { path: { name }, query: { version: 1 } } });
  assert.deepEqual([first.data?.value, first.data?.validTo], ['v1', v2.data?.validFrom]);
  const now = await clients[0].GET('/v1/secrets/{name}', { params: { path: { name } } });
  assert.deepEqual([now.data?.value, now.data?.version], ['v3', 3]);

  const history = await clients[1].GET('/v1/secrets/{name}/versions', { params: { path: { name } } });
  const versions = history.data?.versions ?? [];
  assert.deepEqual(versions.map((v) => v.version), [1, 2, 3]);
  assert.deepEqual(versions.map((v) => v.validTo), [versions[1].validFrom, versions[2].validFrom, null]);

  const deleted = await clients[2].DELETE('/v1/secrets/{name}', { params: { path: { name } } });
  assert.equal(deleted.data?.deleted, true);
  assert.equal(deleted.data?.destroyThreshold, 3);
  assert.ok((deleted.data?.shardsDestroyed ?? 0) >= 3);
  const gone = await clients[3].GET('/v1/secrets/{name}', { params: { path: { name } } });
  assert.equal(gone.error?.code, 'SECRET_NOT_FOUND');
});

test('an Idempotency-Key retried on another replica returns the first answer and writes nothing', async () => {
  const name = unique('TS_IDEMPOTENT');
  const key = unique('ts-key');
  const first = await clients[0].POST('/v1/secrets', { body: { name, value: 'once' }, params: { header: { 'Idempotency-Key': key } } });
  const retry = await clients[3].POST('/v1/secrets', { body: { name, value: 'once' }, params: { header: { 'Idempotency-Key': key } } });
  assert.equal(first.response.status, 201);
  assert.equal(retry.response.status, 201);
  assert.deepEqual(retry.data, first.data);
  const history = await clients[1].GET('/v1/secrets/{name}/versions', { params: { path: { name } } });
  assert.equal(history.data?.versions.length, 1);

  const again = await clients[2].POST('/v1/secrets', { body: { name, value: 'once' } });
  assert.equal(again.error?.code, 'SECRET_ALREADY_EXISTS');
  const reused = await clients[4].POST('/v1/secrets', { body: { name, value: 'other' }, params: { header: { 'Idempotency-Key': key } } });
  assert.equal(reused.error?.code, 'IDEMPOTENCY_KEY_REUSED');
});

test('.env as JSON and as text', async () => {
  const ref = unique('TS_ENV_REF');
  const enc = unique('TS_ENV_ENC');
  assert.equal((await clients[0].POST('/v1/secrets', { body: { name: ref, value: 'resolved-value' } })).response.status, 201);

  const asJson = await clients[1].POST('/v1/env', { body: { content: `${enc}=enc(made-here)\nREF=secret(${ref})\n` } });
  assert.deepEqual(asJson.data, { content: `${enc}=secret(${enc})\nREF=resolved-value\n`, created: [enc], resolved: [ref] });

  const asText = await applyEnvText(clients[2], `A=secret(${ref})\nB=secret(${enc})\n`);
  assert.equal(asText.response.status, 200);
  assert.match(asText.response.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(asText.data, 'A=resolved-value\nB=made-here\n');

  const unresolved = await applyEnvText(clients[3], 'X=secret(TS_NOWHERE)\n');
  assert.equal(unresolved.error?.code, 'ENV_REFERENCE_UNRESOLVED');
  assert.deepEqual(unresolved.error?.names, ['TS_NOWHERE']);
});

test('errors decode into the typed error with its code', async () => {
  const missing = await clients[0].GET('/v1/secrets/{name}', { params: { path: { name: unique('TS_MISSING') } } });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.error?.code, 'SECRET_NOT_FOUND');
  assert.equal(missing.error?.requestId, missing.response.headers.get('x-request-id'));

  const invalid = await clients[1].POST('/v1/secrets', { body: { name: '9-not-a-name', value: 'x' } });
  assert.equal(invalid.error?.code, 'VALIDATION_FAILED');
  assert.equal(invalid.error?.details?.[0]?.field, 'name');

  const anonymous = createVaultClient({ baseUrl: urls[2], token: 'not-the-token' });
  const refused = await anonymous.GET('/v1/secrets/{name}', { params: { path: { name: 'ANYTHING' } } });
  assert.equal(refused.error?.code, 'UNAUTHENTICATED');
});

test('a token with a policy: created on one replica, used on another at once, refused outside its policy and once revoked', async () => {
  const name = unique('TS_TOKEN');
  assert.equal((await clients[0].POST('/v1/secrets', { body: { name, value: 'team-value' } })).response.status, 201);
  const created = await clients[0].POST('/v1/tokens', { body: { name: 'ts-sdk', rules: [{ effect: 'allow', capabilities: ['read'], names: [name] }] } });
  assert.equal(created.response.status, 201);
  assert.match(created.data?.token ?? '', /^vt_/);

  const team = createVaultClient({ baseUrl: urls[1], token: created.data!.token! });
  const read = await team.GET('/v1/secrets/{name}', { params: { path: { name } } });
  assert.equal(read.data?.value, 'team-value');
  const denied = await team.DELETE('/v1/secrets/{name}', { params: { path: { name } } });
  assert.equal(denied.response.status, 403);
  assert.deepEqual([denied.error?.code, denied.error?.capability, denied.error?.name], ['FORBIDDEN', 'delete', name]);

  const revoked = await clients[2].DELETE('/v1/tokens/{id}', { params: { path: { id: created.data!.id } } });
  assert.equal(revoked.data?.revoked, true);
  const refused = await team.GET('/v1/secrets/{name}', { params: { path: { name } } });
  assert.equal(refused.error?.code, 'UNAUTHENTICATED');
});
