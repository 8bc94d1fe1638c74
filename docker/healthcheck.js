// The image's HEALTHCHECK: GET /health on the replica's own client port (VAULT_PORT,
// default 8200), over HTTPS when VAULT_TLS_CERT is set. Exit 0 when it answers 200.
// Loopback only, so the certificate's names are not checked (the replica's own CA would
// be needed, and a container may call itself by no name it carries).
'use strict';
const http = require('node:http');
const https = require('node:https');

const tls = Boolean(process.env.VAULT_TLS_CERT);
const request = (tls ? https : http).get(
  {
    host: '127.0.0.1',
    port: Number(process.env.VAULT_PORT || 8200),
    path: '/health',
    timeout: 4000,
    rejectUnauthorized: false,
  },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`);
  process.exit(1);
});
