#!/usr/bin/env node
// Writes the rules between two values of helm/vault/values.schema.json (its `allOf`) from
// the replica's rules (docs/configuration.md). JSON Schema cannot compare two values, so
// they are spelled out: "k <= n", "k <= m <= n" and "m > n/2" with one clause for each n
// and one for each k; "lockTtlMs >= 3 x peerTimeoutMs" with one clause for each peer
// timeout, which the chart takes in steps of PEER_TIMEOUT_STEP_MS for that reason.
// `helm lint` reports a template's `fail` as information only, so a rule has to be here
// for `helm lint` to refuse what the replica would refuse. The rest of the schema is
// written by hand in the file itself.
//
//   node scripts/chart-values-schema.js           rewrite the file
//   node scripts/chart-values-schema.js --check   exit 1 when the file differs (a chart test runs this)
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const SCHEMA_FILE = join(__dirname, '..', 'helm', 'vault', 'values.schema.json');
// VAULT_PEERS allows 2 <= n <= 255 (docs/configuration.md).
const MIN_N = 2;
const MAX_N = 255;
// VAULT_PEER_TIMEOUT_MS is 50..60000 and VAULT_LOCK_TTL_MS 500..600000 (docs/configuration.md).
const PEER_TIMEOUT_STEP_MS = 50;
const MAX_PEER_TIMEOUT_MS = 60000;
const MIN_LOCK_TTL_MS = 500;

/** The clauses, each one object; order is stable so that the file only changes with the rules. */
function quorumClauses() {
  const clauses = [];
  for (let n = MIN_N; n <= MAX_N; n++) {
    // m > n/2 and m <= n, whatever k is.
    clauses.push({
      if: { properties: { replicas: { const: n } }, required: ['replicas'] },
      then: { properties: { threshold: { maximum: n }, writeQuorum: { minimum: Math.floor(n / 2) + 1, maximum: n } } },
    });
    // With k left to the replica's default min(3, n), m must still be >= that default.
    const defaultK = Math.min(3, n);
    if (defaultK > Math.floor(n / 2) + 1) {
      clauses.push({
        if: {
          properties: { replicas: { const: n }, threshold: { type: 'null' } },
          required: ['replicas'],
        },
        then: { properties: { writeQuorum: { minimum: defaultK } } },
      });
    }
  }
  for (let k = 2; k <= MAX_N; k++) {
    // k <= n and m >= k (a null m takes max(k, floor(n/2)+1) and passes).
    clauses.push({
      if: { properties: { threshold: { const: k } }, required: ['threshold'] },
      then: { properties: { replicas: { minimum: k }, writeQuorum: { minimum: k } } },
    });
  }
  return clauses;
}

/** lockTtlMs >= 3 x peerTimeoutMs: for every step t, a peer timeout of at least t needs a lock TTL of at least 3t. */
function lockTtlClauses() {
  const clauses = [];
  for (let t = PEER_TIMEOUT_STEP_MS; t <= MAX_PEER_TIMEOUT_MS; t += PEER_TIMEOUT_STEP_MS) {
    if (3 * t <= MIN_LOCK_TTL_MS) continue; // the lock TTL's own minimum covers it
    clauses.push({
      if: { properties: { peerTimeoutMs: { minimum: t } }, required: ['peerTimeoutMs'] },
      then: { properties: { lockTtlMs: { minimum: 3 * t } } },
    });
  }
  return clauses;
}

/** Two-space JSON, except that each clause of allOf stays on one line (about 1700 of them). */
function render(schema) {
  const clauses = schema.allOf;
  const placeholders = clauses.map((_, i) => `@@clause-${i}@@`);
  const text = JSON.stringify({ ...schema, allOf: placeholders }, null, 2);
  return `${text.replace(/"@@clause-(\d+)@@"/g, (_, i) => JSON.stringify(clauses[Number(i)]))}\n`;
}

const current = readFileSync(SCHEMA_FILE, 'utf8');
const expected = render({ ...JSON.parse(current), allOf: [...quorumClauses(), ...lockTtlClauses()] });
if (process.argv.includes('--check')) {
  if (current !== expected) {
    process.stderr.write(`${SCHEMA_FILE} is out of date: run node scripts/chart-values-schema.js\n`);
    process.exit(1);
  }
} else if (current !== expected) {
  writeFileSync(SCHEMA_FILE, expected);
}
