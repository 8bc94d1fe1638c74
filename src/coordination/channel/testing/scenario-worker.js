// A worker thread for http-peer-channel.spec.ts: loads the TypeScript scenario module with
// a transpile-only require hook, runs every malformed-answer scenario against its own
// stand-in peer at once, and reports what process.on('unhandledRejection') and
// process.on('uncaughtException') heard meanwhile.
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  isolatedModules: true,
};
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
require('reflect-metadata');

const unhandledRejections = [];
const uncaughtExceptions = [];
const describe = (reason) => (reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
process.on('unhandledRejection', (reason) => unhandledRejections.push(describe(reason)));
process.on('uncaughtException', (error) => uncaughtExceptions.push(describe(error)));
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  // The listener must hear a deliberate one, or its silence below would prove nothing.
  void Promise.reject(new Error('deliberate'));
  await wait(20);
  const selfCheck = { unhandled: unhandledRejections.length };
  unhandledRejections.length = 0;

  const { MALFORMED, startScenarioServer, channelTo, ECHO_ROUTE, LATE_TIMEOUT_MS } = require('./answer-scenarios.ts');
  const { PeerCallError } = require('../../peer-transport.ts');
  const runs = Object.entries(MALFORMED).map(async ([name, { behaviour, peerTimeoutMs }]) => {
    const server = await startScenarioServer();
    server.behave(behaviour);
    const channel = channelTo(server.url, undefined, peerTimeoutMs);
    let outcome;
    try {
      await channel.call('n2', ECHO_ROUTE, { x: 1 });
      outcome = 'answered';
    } catch (error) {
      outcome = error instanceof PeerCallError ? error.failure : `threw ${describe(error)}`;
    }
    return { name, outcome, server, channel };
  });
  const done = await Promise.all(runs);
  // Let late answers arrive and sockets close while the listeners still listen.
  await wait(LATE_TIMEOUT_MS + 300);
  for (const { server, channel } of done) {
    channel.close();
    await server.close();
  }
  await wait(20);
  parentPort.postMessage({
    selfCheck,
    outcomes: Object.fromEntries(done.map(({ name, outcome }) => [name, outcome])),
    unhandledRejections,
    uncaughtExceptions,
  });
}

main().catch((error) => {
  uncaughtExceptions.push(`scenario run failed: ${describe(error)}`);
  parentPort.postMessage({ selfCheck: { unhandled: -1 }, outcomes: {}, unhandledRejections, uncaughtExceptions });
});
