import { mkdtempSync } from 'node:fs';
import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAction, NemesisStep, planNemesis } from '../faults/nemesis';
import { LinkProxy } from '../faults/proxy';
import { Prng } from '../sim/prng';
import { checkHistories } from '../support/history/check';
import { History, RecordedOperation } from '../support/history/types';

/**
 * The fault suite's own parts, without replicas: the link proxy does what each fault says,
 * and the shared checker names the violations the suite must fail a run on.
 */
describe('fault suite harness', () => {
  describe('link proxy', () => {
    let echo: Server;
    let proxy: LinkProxy;

    beforeEach(async () => {
      echo = createServer((socket) => {
        socket.on('error', () => undefined);
        socket.pipe(socket);
      });
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      proxy = new LinkProxy(0, 1, (echo.address() as AddressInfo).port);
      await proxy.listen();
    });

    afterEach(async () => {
      await proxy.close();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    });

    /** Connects through the proxy; resolves with what came back within `waitMs`, or how the connection ended. */
    function roundTrip(socket: Socket, text: string, waitMs: number): Promise<string> {
      return new Promise((resolve) => {
        let got = '';
        const timer = setTimeout(() => resolve(`got:${got}`), waitMs);
        socket.on('data', (chunk) => {
          got += chunk.toString();
          if (got === text) {
            clearTimeout(timer);
            resolve(`got:${got}`);
          }
        });
        socket.on('error', (error: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          resolve(`error:${error.code}`);
        });
        socket.write(text);
      });
    }

    const open = () => {
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      return new Promise<Socket>((resolve) => socket.once('connect', () => resolve(socket)));
    };

    it('passes bytes both ways', async () => {
      const socket = await open();
      expect(await roundTrip(socket, 'hello', 2000)).toBe('got:hello');
      socket.destroy();
    });

    it('delays them, in order', async () => {
      proxy.set('pass', 150);
      const socket = await open();
      const started = performance.now();
      expect(await roundTrip(socket, 'slow', 3000)).toBe('got:slow');
      // 150 ms on the way there and 150 ms on the way back.
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      socket.destroy();
    });

    it('cuts: resets open connections and new ones', async () => {
      const before = await open();
      expect(await roundTrip(before, 'a', 2000)).toBe('got:a');
      const reset = new Promise<string>((resolve) => before.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error')));
      proxy.set('cut');
      expect(await reset).toBe('ECONNRESET');
      const after = connect({ host: '127.0.0.1', port: proxy.port });
      after.on('error', () => undefined);
      expect(await roundTrip(after, 'b', 2000)).toBe('error:ECONNRESET');
    });

    it('blackholes: swallows bytes without closing, and drops the corrupted connections when it ends', async () => {
      proxy.set('blackhole');
      const socket = await open();
      expect(await roundTrip(socket, 'lost', 300)).toBe('got:');
      const reset = new Promise<string>((resolve) => socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error')));
      proxy.set('pass');
      expect(await reset).toBe('ECONNRESET');
      const fresh = await open();
      expect(await roundTrip(fresh, 'back', 2000)).toBe('got:back');
      fresh.destroy();
    });
  });

  describe('nemesis plans', () => {
    const SHAPES = [
      { n: 5, k: 3, m: 3 },
      { n: 7, k: 3, m: 4 },
    ];
    const CHAOS_MS = 25_000;
    const plan = (seed: number, shape: (typeof SHAPES)[number]) => planNemesis(new Prng(seed), shape, CHAOS_MS, 1000);

    it('are the same for the same seed, so a seed replays its schedule', () => {
      for (const shape of SHAPES) {
        expect(plan(42, shape)).toEqual(plan(42, shape));
        expect(plan(42, shape).steps.map((s) => describeAction(s.action))).not.toEqual(plan(43, shape).steps.map((s) => describeAction(s.action)));
      }
    });

    it.each(SHAPES)('keep to the failure budget of n=$n, k=$k, m=$m unless they say they go beyond it', (shape) => {
      const kinds = new Set<string>();
      let beyond = 0;
      for (let seed = 1; seed <= 300; seed++) {
        const { steps, beyondBudget, wipes } = plan(seed, shape);
        expect(wipes).toBeLessThanOrEqual(shape.n - shape.k);
        expect(beyondBudget).toBe(wipes > shape.m - shape.k);
        if (beyondBudget) beyond++;
        expect(steps.filter((s) => s.action.kind === 'kill' && s.action.wipe)).toHaveLength(wipes);
        // Every replica taken out comes back before the chaos ends, and at most n-m+1 are out at once (n-m, now and then one more).
        const out = new Set<number>();
        for (const step of steps as NemesisStep[]) {
          const { action } = step;
          kinds.add(action.kind === 'links' ? action.label.split(' ').slice(0, 2).join(' ').replace(/ \d+$/, '') : action.kind);
          expect(step.at).toBeLessThanOrEqual(CHAOS_MS);
          if (action.kind === 'kill' || action.kind === 'crash-point' || action.kind === 'pause') {
            expect(out.has(action.replica)).toBe(false);
            out.add(action.replica);
            expect(out.size).toBeLessThanOrEqual(shape.n - shape.m + 1);
          }
          if (action.kind === 'restart' || action.kind === 'resume') out.delete(action.replica);
        }
        expect(out.size).toBe(0);
      }
      expect(beyond).toBeGreaterThan(0);
      expect([...kinds].sort()).toEqual(
        ['blackhole', 'crash-point', 'heal-links', 'kill', 'one-way cut', 'partition bridge', 'partition majorities-ring', 'partition minority', 'pause', 'restart', 'resume', 'slow'].sort(),
      );
    });
  });

  describe('the shared checker', () => {
    const op = (client: number, input: RecordedOperation['input'], output: RecordedOperation['output'], call: number, ret: number): RecordedOperation => ({
      client,
      name: 'x',
      input,
      output,
      call,
      return: ret,
    });
    const check = (operations: RecordedOperation[]) => {
      const history: History = { id: 'h', operations };
      return checkHistories([history], mkdtempSync(join(tmpdir(), 'vault-checker-')));
    };

    it('passes a correct history with a delete and a new lifetime', () => {
      expect(
        check([
          op(0, { kind: 'create', value: 'a' }, { result: 'ok', version: 1 }, 0, 10),
          op(0, { kind: 'delete' }, { result: 'ok' }, 20, 30),
          op(1, { kind: 'read' }, { result: 'not-found' }, 40, 50),
          op(0, { kind: 'create', value: 'b' }, { result: 'ok', version: 1 }, 60, 70),
          op(1, { kind: 'read' }, { result: 'ok', version: 1, value: 'b' }, 80, 90),
        ]),
      ).toEqual([]);
    });

    it('names a deleted name that reads back', () => {
      const kinds = check([
        op(0, { kind: 'create', value: 'a' }, { result: 'ok', version: 1 }, 0, 10),
        op(0, { kind: 'delete' }, { result: 'ok' }, 20, 30),
        // A create that certainly did nothing does not excuse the read.
        op(2, { kind: 'create', value: 'c' }, { result: 'no-effect' }, 35, 38),
        op(1, { kind: 'read' }, { result: 'ok', version: 1, value: 'a' }, 40, 50),
      ]).map((v) => v.kind);
      expect(kinds).toEqual(expect.arrayContaining(['deleted-name-read-back', 'not-linearizable']));
    });

    it('lets an unknown create come between a delete and a read', () => {
      expect(
        check([
          op(0, { kind: 'create', value: 'a' }, { result: 'ok', version: 1 }, 0, 10),
          op(0, { kind: 'delete' }, { result: 'ok' }, 20, 30),
          op(2, { kind: 'create', value: 'c' }, { result: 'unknown' }, 35, 38),
          op(1, { kind: 'read' }, { result: 'ok', version: 1, value: 'c' }, 40, 50),
        ]),
      ).toEqual([]);
    });

    it('names a version number used twice', () => {
      const kinds = check([
        op(0, { kind: 'create', value: 'a' }, { result: 'ok', version: 1 }, 0, 10),
        op(0, { kind: 'update', value: 'b' }, { result: 'ok', version: 2 }, 20, 30),
        op(1, { kind: 'update', value: 'c' }, { result: 'ok', version: 2 }, 40, 50),
      ]).map((v) => v.kind);
      expect(kinds).toEqual(expect.arrayContaining(['version-used-twice', 'not-linearizable']));
    });

    it('names a value never written and an acknowledged write unreadable after healing', () => {
      const kinds = check([
        op(0, { kind: 'create', value: 'a' }, { result: 'ok', version: 1 }, 0, 10),
        op(1, { kind: 'read' }, { result: 'ok', version: 1, value: 'zzz' }, 20, 30),
        { ...op(2, { kind: 'read' }, { result: 'no-effect' }, 40, 50), final: true },
      ]).map((v) => v.kind);
      expect(kinds).toEqual(expect.arrayContaining(['value-never-written', 'acknowledged-write-unreadable']));
    });
  });
});
