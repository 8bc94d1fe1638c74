import { PeerHealth } from '../../src/coordination/peer-health';
import { PeerRouter } from '../../src/coordination/peer-router';
import { Replica, ReplicaSettings } from '../../src/vault/replica';
import { MemoryBackend } from '../../src/vault/state/memory-backend';
import { StateBackend } from '../../src/vault/state/model';
import { StateStore } from '../../src/vault/state/replica-state';
import { EventLoop } from './event-loop';
import { Prng } from './prng';
import { SimNetwork } from './sim-network';

/**
 * One simulated replica: the real Replica (commit engine, participant, reads, repair,
 * settling, sweep, catch-up) over the real state machine and the in-memory backend. A
 * crash freezes the running incarnation (its timers never fire, its calls never return,
 * its backend accepts nothing more) and keeps its backend, wipes it, or puts back an
 * older backup of it (marked restored, as the documented procedure does); a restart
 * builds a new incarnation on what is left, as a restarted process would.
 */
export class SimNode {
  backend = new MemoryBackend();
  replica: Replica | null = null;
  private lastBackup: MemoryBackend | null = null;
  private incarnation = 0;
  private running = false;
  readonly log: string[] = [];

  constructor(
    readonly id: string,
    private readonly settings: ReplicaSettings,
    private readonly loop: EventLoop,
    private readonly network: SimNetwork,
    private readonly prng: Prng,
    private readonly skewMs: number,
  ) {}

  get up(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const incarnation = ++this.incarnation;
    this.running = true;
    const alive = () => this.running && this.incarnation === incarnation;
    const clock = this.loop.clock(alive, this.skewMs);
    const router = new PeerRouter();
    const transport = this.network.transport(this.id, alive, router);
    const ids = this.prng.fork();
    const state = new StateStore(fenced(this.backend, alive), this.id, clock, ids);
    await state.start();
    const health = new PeerHealth(this.id, this.settings.peerIds, ids);
    const log = (level: string, msg: string, fields: Record<string, unknown>) => {
      if (alive() && level !== 'debug') this.log.push(JSON.stringify({ t: clock.now(), node: this.id, level, msg, ...fields }));
    };
    this.replica = new Replica(this.settings, { state, transport, router, health, clock, ids, log });
    this.network.attach(this.id, router, alive);
    this.replica.start();
  }

  /** What a crash leaves: the state as it was, none (wiped), or the last backup, restored and marked as the procedure says. */
  crash(state: 'kept' | 'wiped' | 'restored'): void {
    this.running = false;
    this.replica = null;
    if (state === 'wiped') this.backend = new MemoryBackend();
    if (state === 'restored') {
      if (!this.lastBackup) throw new Error(`${this.id} has no backup to restore`);
      this.backend = this.lastBackup;
      this.backend.markRestored(this.loop.now + this.skewMs);
    }
    this.lastBackup = null;
  }

  /** Backs up the state as it is now, unless a backup is already kept (the next crash that restores uses it). */
  backUp(): void {
    this.lastBackup ??= this.backend.backup();
  }

  get hasBackup(): boolean {
    return this.lastBackup !== null;
  }
}

/**
 * The backend as one incarnation sees it: once that incarnation is dead, nothing it asks
 * for ever completes (a write either happened whole before the crash or not at all: the
 * in-memory write is synchronous).
 */
function fenced(backend: StateBackend, alive: () => boolean): StateBackend {
  const never = new Promise<never>(() => undefined);
  return new Proxy(backend, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => (alive() ? (member as (...a: unknown[]) => Promise<unknown>).apply(target, args) : never);
    },
  });
}
