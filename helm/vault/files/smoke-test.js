// `helm test`: creates, reads and deletes one secret through the client Service, the way a
// client would (docs/api.md). Runs with the Vault image's node; exits 0 only when every
// step answered as documented. VAULT_URL and VAULT_API_TOKEN come from the test pod.
'use strict';
const { randomBytes } = require('node:crypto');

const base = process.env.VAULT_URL;
const token = process.env.VAULT_API_TOKEN;
const attempts = Number(process.env.VAULT_TEST_ATTEMPTS || 10);
const name = `helm_test_${randomBytes(6).toString('hex')}`;
const value = randomBytes(24).toString('base64');

/** One call; a 503 (not enough replicas yet) or a network error is retried a few times. */
async function call(method, path, body) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10000),
      });
      const text = await response.text();
      if (response.status !== 503 || attempt >= attempts) return { status: response.status, body: text ? JSON.parse(text) : null };
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function expect(step, answer, status, check = () => true) {
  if (answer.status !== status || !check(answer.body)) {
    throw new Error(`${step}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  console.log(`${step}: ${answer.status}`);
}

async function main() {
  if (!base || !token) throw new Error('VAULT_URL and VAULT_API_TOKEN must be set');
  expect('create', await call('POST', '/v1/secrets', { name, value }), 201, (b) => b.name === name && b.version === 1);
  expect('read', await call('GET', `/v1/secrets/${name}`), 200, (b) => b.value === value && b.version === 1);
  expect('delete', await call('DELETE', `/v1/secrets/${name}`), 200, (b) => b.deleted === true);
  expect('read after delete', await call('GET', `/v1/secrets/${name}`), 404, (b) => b.code === 'SECRET_NOT_FOUND');
  console.log(`ok: ${name} created, read back and deleted through ${base}`);
}

main().catch((error) => {
  console.error(`helm test failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
