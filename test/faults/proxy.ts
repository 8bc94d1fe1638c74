import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

/**
 * What a link does to the bytes that cross it:
 * - pass: forwards them (after `delayMs`, if set);
 * - cut: resets every open connection and every new one (the caller sees a reset);
 * - blackhole: accepts connections and swallows every byte, both ways (the caller waits
 *   for its own deadline).
 */
export type LinkMode = 'pass' | 'cut' | 'blackhole';

interface Piped {
  client: Socket;
  upstream: Socket;
  /** Bytes were swallowed: the stream is corrupt and must not carry anything more. */
  tainted: boolean;
  /** Per direction, when the last delayed chunk is due (so chunks never overtake). */
  due: { up: number; down: number };
}

/**
 * One directed peer link i -> j of the fault suite (docs/reliability.md): replica i's
 * VAULT_PEERS entry for j points here, and this forwards to j's real port. Everything i
 * asks j travels through it, and so do j's answers (they come back on the same TCP
 * connection); j's own calls to i take the other proxy, j -> i. So a "one-way" fault of
 * i -> j stops i's calls to j and leaves j's calls to i alone.
 */
export class LinkProxy {
  private server: Server | null = null;
  private readonly open = new Set<Piped>();
  mode: LinkMode = 'pass';
  delayMs = 0;
  /** Connections accepted, and connections reset or swallowed by a fault, for the run's report. */
  readonly counters = { connections: 0, reset: 0, swallowedChunks: 0 };

  constructor(
    readonly from: number,
    readonly to: number,
    private readonly targetPort: number,
  ) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Changes the link's behaviour; cutting resets what is open, ending a blackhole drops the corrupted streams. */
  set(mode: LinkMode, delayMs = 0): void {
    const leavingBlackhole = this.mode === 'blackhole' && mode !== 'blackhole';
    this.mode = mode;
    this.delayMs = delayMs;
    for (const piped of [...this.open]) {
      if (mode === 'cut' || (leavingBlackhole && piped.tainted)) this.reset(piped);
    }
  }

  async close(): Promise<void> {
    for (const piped of [...this.open]) this.reset(piped);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private accept(client: Socket): void {
    this.counters.connections++;
    client.setNoDelay(true);
    if (this.mode === 'cut') {
      this.counters.reset++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
    upstream.setNoDelay(true);
    const piped: Piped = { client, upstream, tainted: false, due: { up: 0, down: 0 } };
    this.open.add(piped);
    const done = () => {
      if (!this.open.delete(piped)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', done);
    upstream.on('error', done);
    client.on('close', done);
    upstream.on('close', done);
    client.on('data', (chunk: Buffer) => this.forward(piped, 'up', chunk));
    upstream.on('data', (chunk: Buffer) => this.forward(piped, 'down', chunk));
    client.on('end', () => this.forward(piped, 'up', null));
    upstream.on('end', () => this.forward(piped, 'down', null));
  }

  /** Moves one chunk (or the end of the stream: null) one way, as the link's mode says. */
  private forward(piped: Piped, direction: 'up' | 'down', chunk: Buffer | null): void {
    if (this.mode === 'blackhole') {
      piped.tainted = true;
      this.counters.swallowedChunks++;
      return;
    }
    if (this.mode === 'cut' || piped.tainted) return this.reset(piped);
    const target = direction === 'up' ? piped.upstream : piped.client;
    const deliver = () => {
      if (!this.open.has(piped) || target.destroyed) return;
      if (chunk === null) target.end();
      else target.write(chunk);
    };
    const now = performance.now();
    const due = Math.max(now + this.delayMs, piped.due[direction]);
    piped.due[direction] = due;
    if (due <= now) deliver();
    else setTimeout(deliver, due - now);
  }

  private reset(piped: Piped): void {
    if (!this.open.delete(piped)) return;
    this.counters.reset++;
    piped.client.resetAndDestroy();
    piped.upstream.resetAndDestroy();
  }
}

/** Every directed link of an n-replica cluster, one proxy each. */
export class ProxyMesh {
  private readonly links = new Map<string, LinkProxy>();

  private constructor(readonly n: number) {}

  static async start(targetPorts: number[]): Promise<ProxyMesh> {
    const mesh = new ProxyMesh(targetPorts.length);
    for (let from = 0; from < mesh.n; from++) {
      for (let to = 0; to < mesh.n; to++) {
        if (from === to) continue;
        const proxy = new LinkProxy(from, to, targetPorts[to]);
        await proxy.listen();
        mesh.links.set(`${from}>${to}`, proxy);
      }
    }
    return mesh;
  }

  link(from: number, to: number): LinkProxy {
    const proxy = this.links.get(`${from}>${to}`);
    if (!proxy) throw new Error(`no link ${from} -> ${to}`);
    return proxy;
  }

  all(): LinkProxy[] {
    return [...this.links.values()];
  }

  /** Every link passes again, without delay. */
  healAll(): void {
    for (const proxy of this.links.values()) proxy.set('pass');
  }

  totals(): { connections: number; reset: number; swallowedChunks: number } {
    const total = { connections: 0, reset: 0, swallowedChunks: 0 };
    for (const { counters } of this.links.values()) {
      total.connections += counters.connections;
      total.reset += counters.reset;
      total.swallowedChunks += counters.swallowedChunks;
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((proxy) => proxy.close()));
  }
}
