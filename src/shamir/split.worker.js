'use strict';
// Runs `split()` of shamir-secret-sharing on a piscina worker thread (see split-pool.ts).
// Plain CommonJS on purpose: the same file loads unchanged from src/ under ts-jest and from
// dist/ after `nest build`, which copies it there (nest-cli.json, compilerOptions.assets).
// It must stay this small: anything it does runs outside TypeScript's checks.
const { split } = require('shamir-secret-sharing');

module.exports = async function splitTask({ padded, n, k }) {
  try {
    return await split(padded, n, k);
  } finally {
    // This thread's copy of the padded value is no longer needed (best effort, like any
    // wiping in a garbage-collected runtime).
    padded.fill(0);
  }
};
