import 'reflect-metadata';
import http from 'node:http';
import https from 'node:https';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { profileOnSignal } from './common/cpu-profiler';
import { JsonLogger } from './common/json-logger';
import { ConfigError, loadConfig, VaultConfig } from './config';
import { TlsReloader } from './config/tls-reloader';
import { HttpPeerChannel } from './coordination/channel/http-peer-channel';
import { InternalServer } from './coordination/channel/internal-server';
import { PEER_TRANSPORT } from './coordination/peer-transport';
import { Metrics } from './metrics/metrics';
import { metricsHandler } from './metrics/metrics-server';

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/**
 * Boots one replica from its environment variables (docs/configuration.md). The public API runs
 * on Nest and Express; the internal peer API is handed to the lean InternalServer before
 * Express sees the request, on the same port or on VAULT_PEER_PORT. With VAULT_TLS_* both
 * serve HTTPS, and peers must present a certificate signed by VAULT_TLS_CA. With
 * VAULT_METRICS_PORT, a third listener serves GET /metrics and nothing else.
 */
async function main(): Promise<void> {
  let config: VaultConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vault: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const expressApp = express();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(process.env), new ExpressAdapter(expressApp), {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app);
  await app.init();
  const logger = app.get(JsonLogger);
  const internal = app.get(InternalServer);
  const internalHandler: Handler = (request, response) => internal.handle(request, response);

  const publicHandler: Handler =
    config.peerPort === null
      ? (request, response) => ((request.url ?? '').startsWith('/internal/') ? internalHandler(request, response) : expressApp(request, response))
      : (request, response) => expressApp(request, response);
  // Clients need no certificate; a peer's is checked per request by the InternalServer.
  const listeners: Array<[http.Server, number]> = [[createServer(config, publicHandler, false), config.port]];
  if (config.peerPort !== null) listeners.push([createServer(config, internalHandler, true), config.peerPort]);
  if (config.metricsPort !== null) listeners.push([createServer(config, metricsHandler(app.get(Metrics)), false), config.metricsPort]);
  const servers = listeners.map(([server]) => server);
  await Promise.all(listeners.map(([server, port]) => listen(server, port)));

  if (!config.tls && config.allowInsecurePeers) {
    logger.event('warn', 'VAULT_ALLOW_INSECURE_PEERS=true: shares travel between replicas over plain HTTP', {});
  }
  logger.event('info', 'replica listening', { port: config.port, peerPort: config.peerPort, metricsPort: config.metricsPort, tls: config.tls !== null, n: config.n, k: config.k, m: config.m });

  reloadTlsOnChange(config, servers, app.get<HttpPeerChannel>(PEER_TRANSPORT), logger, app.get(Metrics));
  if (config.cpuProfileDir) profileOnSignal(config.cpuProfileDir, (path) => logger.event('info', 'cpu profile written', { path }));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    for (const server of servers) server.closeAllConnections();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // Started by the local launcher: go down with it rather than linger as an orphan.
  if (process.send) process.on('disconnect', () => void stop());
}

function createServer(config: VaultConfig, handler: Handler, peersOnly: boolean): http.Server {
  const server = config.tls
    ? https.createServer(
        { cert: config.tls.cert, key: config.tls.key, ca: config.tls.ca, requestCert: true, rejectUnauthorized: peersOnly },
        handler,
      )
    : http.createServer(handler);
  // Peers keep connections alive, and close an idle one themselves after 60 s
  // (PEER_IDLE_SOCKET_MS): the server must not close it first, or a peer's next call could
  // be written to a socket that is being closed, and fail. Clients should do the same
  // (docs/api.md, "Connections").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/**
 * Renewed certificates without a restart (config/tls-reloader.ts): on SIGHUP and every
 * VAULT_TLS_RELOAD_SECONDS, every listener and the peer channel take the files' new
 * content for their next connections. Idle kept-alive connections are closed, so that a
 * CA no longer trusted stops being trusted on them too: their next request shakes hands
 * again. Without TLS, SIGHUP is logged and ignored rather than ending the process.
 */
function reloadTlsOnChange(config: VaultConfig, servers: http.Server[], channel: HttpPeerChannel, logger: JsonLogger, metrics: Metrics): void {
  if (!config.tls) {
    process.on('SIGHUP', () => logger.event('info', 'SIGHUP: nothing to reload (TLS is off)', {}));
    return;
  }
  const secure = servers.filter((server): server is https.Server => server instanceof https.Server);
  const reloader = new TlsReloader(
    config.tls,
    (material) => {
      for (const server of secure) server.setSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
      channel.useTls(material);
      for (const server of secure) server.closeIdleConnections();
    },
    (level, msg, fields) => logger.event(level, msg, fields),
  );
  reloader.start(config.tlsReloadSeconds * 1000);
  process.on('SIGHUP', () => reloader.reload('signal'));
  metrics.gauge('vault_tls_certificate_expiry_timestamp_seconds', 'When the certificate this replica presents expires, in Unix seconds.', [], (gauge) => {
    gauge.set(reloader.expiresAt / 1000);
  });
  metrics.counter('vault_tls_reloads_total', 'Re-reads of the TLS files that applied a change (reloaded), or found files they could not use (refused: unreadable, not PEM, or not a usable context).', ['outcome'], () => [
    [{ outcome: 'reloaded' }, reloader.outcomes.reloaded],
    [{ outcome: 'refused' }, reloader.outcomes.refused],
  ]);
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`vault: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
