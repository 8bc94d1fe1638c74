import { parse as parseDotenv } from 'dotenv';
import { Prng } from '../sim/prng';
import { classifyError, ErrorAnswer } from '../support/history/classify';
import { OperationInput, OperationOutput, RecordedOperation } from '../support/history/types';

/** The harness's one monotonic clock, in ms. */
export const now = (): number => performance.now();

export interface Endpoint {
  url(index: number): string;
  readonly n: number;
  readonly token: string;
}

interface Answer {
  status: number;
  body: Record<string, unknown> | undefined;
  text: string;
}

/** What went wrong below HTTP: refused before anything was sent, or lost (reset, timeout) after. */
class TransportError extends Error {
  constructor(readonly transport: 'refused' | 'lost', detail: string) {
    super(detail);
  }
}

function transportOf(error: unknown): TransportError {
  const codes: string[] = [];
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    if (codes.length > 5) break;
  }
  // Only a refused connection proves the request never left; a reset may come after the replica read it.
  if (codes.includes('ECONNREFUSED')) return new TransportError('refused', 'ECONNREFUSED');
  const name = error instanceof Error ? error.name : '';
  return new TransportError('lost', codes[0] ?? name ?? 'error');
}

/**
 * Records each client call with its input, what the answer proves (classifyError, the
 * simulation's rules), and its call and return times on the harness's monotonic clock:
 * call rounded down, return rounded up, so that every interval contains the real one.
 */
export class Recorder {
  readonly operations: RecordedOperation[] = [];
  readonly values: string[] = [];
  readonly transport = { refused: 0, lost: 0 };

  constructor(
    private readonly endpoint: Endpoint,
    private readonly timeoutMs: number,
  ) {}

  private async http(replica: number, method: string, path: string, body?: { json?: unknown; text?: string }): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.endpoint.token}` };
    let payload: string | undefined;
    if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body?.text !== undefined) {
      headers['content-type'] = 'text/plain';
      payload = body.text;
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.endpoint.url(replica)}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (error) {
      const failure = transportOf(error);
      this.transport[failure.transport]++;
      throw failure;
    }
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  }

  private push(client: number, replica: number, name: string, input: OperationInput, output: OperationOutput, call: number, final?: boolean): void {
    this.operations.push({ client, name, input, output, call: Math.floor(call), return: Math.ceil(now()), node: `n${replica + 1}`, ...(final ? { final } : {}) });
  }

  /** One single-name operation on one replica, recorded. */
  async run(client: number, replica: number, name: string, input: OperationInput, final = false): Promise<OperationOutput> {
    const call = now();
    const path = `/v1/secrets/${encodeURIComponent(name)}`;
    let output: OperationOutput;
    try {
      const answer = await this.send(replica, name, path, input);
      output = answer.status < 300 ? success(input, answer.body ?? {}) : classifyError(input, errorAnswer(answer));
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      output = classifyError(input, { transport: error.transport });
    }
    this.push(client, replica, name, input, output, call, final);
    return output;
  }

  private send(replica: number, name: string, path: string, input: OperationInput): Promise<Answer> {
    switch (input.kind) {
      case 'create':
        return this.http(replica, 'POST', '/v1/secrets', { json: { name, value: input.value } });
      case 'update':
        return this.http(replica, 'PUT', path, { json: input.expectedVersion === undefined ? { value: input.value } : { value: input.value, expectedVersion: input.expectedVersion } });
      case 'delete':
        return this.http(replica, 'DELETE', path);
      case 'read':
        return this.http(replica, 'GET', input.version === undefined ? path : `${path}?version=${input.version}`);
      case 'history':
        return this.http(replica, 'GET', `${path}/versions`);
    }
  }

  /**
   * A `.env` request, recorded exactly as the simulation's Recorder.env does: each
   * enc(...) as a create and each secret(...) as a read (version 0: the latest value,
   * without its number) of the request's interval.
   */
  async env(client: number, replica: number, encs: Array<{ name: string; value: string }>, refs: string[], asJson: boolean): Promise<void> {
    const call = now();
    const content = [...encs.map((e) => `${e.name}=enc(${e.value})`), ...refs.map((r) => `R_${r}=secret(${r})`)].join('\n') + '\n';
    let answer: Answer | TransportError;
    try {
      answer = await this.http(replica, 'POST', '/v1/env', asJson ? { json: { content } } : { text: content });
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      answer = error;
    }
    if (!(answer instanceof TransportError) && answer.status === 200) {
      const text = asJson ? String(answer.body?.content ?? '') : answer.text;
      const parsed = parseDotenv(text);
      for (const e of encs) this.push(client, replica, e.name, { kind: 'create', value: e.value }, { result: 'ok', version: 1 }, call);
      for (const ref of refs) this.push(client, replica, ref, { kind: 'read' }, { result: 'ok', version: 0, value: parsed[`R_${ref}`] }, call);
      return;
    }
    const error: ErrorAnswer = answer instanceof TransportError ? { transport: answer.transport } : errorAnswer(answer);
    const code = error.code;
    const listed = answer instanceof TransportError || !Array.isArray(answer.body?.names) ? [] : (answer.body!.names as string[]);
    for (const e of encs) {
      const input: OperationInput = { kind: 'create', value: e.value };
      if (code === 'ENV_SECRET_ALREADY_EXISTS') this.push(client, replica, e.name, input, listed.includes(e.name) ? { result: 'exists' } : { result: 'no-effect' }, call);
      else if (code === 'ENV_REFERENCE_UNRESOLVED' || code === 'ENV_VALUE_NOT_REPRESENTABLE') this.push(client, replica, e.name, input, { result: 'no-effect' }, call);
      else this.push(client, replica, e.name, input, classifyError(input, error), call);
    }
    if (code === 'ENV_REFERENCE_UNRESOLVED') for (const ref of refs.filter((r) => listed.includes(r))) this.push(client, replica, ref, { kind: 'read' }, { result: 'not-found' }, call);
  }
}

function success(input: OperationInput, body: Record<string, unknown>): OperationOutput {
  switch (input.kind) {
    case 'create':
    case 'update':
      return { result: 'ok', version: Number(body.version) };
    case 'delete':
      return { result: 'ok' };
    case 'read':
      return { result: 'ok', version: Number(body.version), value: String(body.value) };
    case 'history':
      if (!Array.isArray(body.versions)) return { result: 'ok', count: -1 };
      return { result: 'ok', count: body.versions.length, listed: body.versions.map((v: { version?: unknown }) => Number(v.version)) };
  }
}

function errorAnswer(answer: Answer): ErrorAnswer {
  const body = answer.body ?? {};
  return {
    code: typeof body.code === 'string' ? body.code : undefined,
    phase: typeof body.phase === 'string' ? body.phase : undefined,
    outcome: typeof body.outcome === 'string' ? body.outcome : undefined,
    currentVersion: typeof body.currentVersion === 'number' ? body.currentVersion : undefined,
  };
}

export interface WorkloadOptions {
  clients: number;
  names: string[];
  /** A label that makes every value distinctive (for the plaintext scan). */
  tag: string;
}

/**
 * One client: one operation at a time, each on a random replica and a random name of a
 * few (so that operations collide), with the simulation's mix of creates, updates (some
 * with expectedVersion), deletes, reads (latest and ?version=N), history and `.env`
 * requests. Its choices come from its own generator, so a seed replays them; how many it
 * makes before the chaos ends depends on real timing.
 */
export async function runClient(id: number, prng: Prng, recorder: Recorder, endpoint: Endpoint, options: WorkloadOptions, until: () => boolean): Promise<void> {
  let written = 0;
  const value = () => {
    const v = `fv-${options.tag}-${id}-${written++}-${prng.int(0, 1e9).toString(36)}`;
    recorder.values.push(v);
    return v;
  };
  while (!until()) {
    const replica = prng.int(0, endpoint.n - 1);
    const name = prng.pick(options.names);
    const roll = prng.random();
    if (roll < 0.15) await recorder.run(id, replica, name, { kind: 'create', value: value() });
    else if (roll < 0.4) await recorder.run(id, replica, name, { kind: 'update', value: value() });
    else if (roll < 0.47) await recorder.run(id, replica, name, { kind: 'update', value: value(), expectedVersion: prng.int(1, 4) });
    else if (roll < 0.55) await recorder.run(id, replica, name, { kind: 'delete' });
    else if (roll < 0.85) await recorder.run(id, replica, name, { kind: 'read' });
    else if (roll < 0.9) await recorder.run(id, replica, name, { kind: 'read', version: prng.int(1, 3) });
    else if (roll < 0.94) await recorder.run(id, replica, name, { kind: 'history' });
    else {
      const ref = prng.pick(options.names.filter((n) => n !== name));
      await recorder.env(id, replica, [{ name, value: value() }], [ref], prng.chance(0.5));
    }
    await new Promise((r) => setTimeout(r, prng.int(0, 40)));
  }
}
