#!/usr/bin/env node
// Writes the quorum rules of helm/vault/values.schema.json (its `allOf`) from the replica's
// rules (docs/configuration.md): JSON Schema cannot compare two values, so "k <= n",
// "k <= m <= n" and "m > n/2" are spelled out, one clause for each n and one for each k.
// The rest of the schema is written by hand in the file itself.
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

/** Two-space JSON, except that each clause of allOf stays on one line (about 500 of them). */
function render(schema) {
  const clauses = schema.allOf;
  const placeholders = clauses.map((_, i) => `@@clause-${i}@@`);
  const text = JSON.stringify({ ...schema, allOf: placeholders }, null, 2);
  return `${text.replace(/"@@clause-(\d+)@@"/g, (_, i) => JSON.stringify(clauses[Number(i)]))}\n`;
}

const current = readFileSync(SCHEMA_FILE, 'utf8');
const expected = render({ ...JSON.parse(current), allOf: quorumClauses() });
if (process.argv.includes('--check')) {
  if (current !== expected) {
    process.stderr.write(`${SCHEMA_FILE} is out of date: run node scripts/chart-values-schema.js\n`);
    process.exit(1);
  }
} else if (current !== expected) {
  writeFileSync(SCHEMA_FILE, expected);
}
