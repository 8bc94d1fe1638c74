import https from 'node:https';

/** A tiny HTTP client for the e2e suites: real requests, parsed answers. */
export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/**
 * What an https request trusts and presents. `fetch` can take neither, so https URLs go
 * through node's own https.request.
 */
export interface ClientTls {
  /** PEM of the CA to trust instead of the system's. */
  ca?: string;
  /** A client certificate and its key, for mutual TLS. */
  cert?: string;
  key?: string;
}

export interface RequestInit {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  raw?: string | Buffer;
  tls?: ClientTls;
}

export async function request<T = any>(url: string, init: RequestInit = {}): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | Buffer | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const timeoutMs = init.timeoutMs ?? 30_000;
  const method = init.method ?? 'GET';
  const { status, text, headers: answerHeaders } = url.startsWith('https:')
    ? await httpsRequest(url, { method, headers, body, timeoutMs, tls: init.tls ?? {} })
    : await fetchRequest(url, { method, headers, body, timeoutMs });
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status, body: parsed as T, text, headers: answerHeaders };
}

interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  timeoutMs: number;
}

async function fetchRequest(url: string, out: Outgoing): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, { method: out.method, headers: out.headers, body: out.body, signal: AbortSignal.timeout(out.timeoutMs) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** Rejects with the TLS or socket error when the handshake or the connection fails. */
function httpsRequest(url: string, out: Outgoing & { tls: ClientTls }): Promise<{ status: number; text: string; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: out.method, headers: out.headers, agent: false, ca: out.tls.ca, cert: out.tls.cert, key: out.tls.key }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
        }
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${url} in ${out.timeoutMs} ms`)), out.timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(out.body);
  });
}

/** A client bound to one replica and the cluster's token. */
export class VaultClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    /** For an https baseUrl: the CA to trust (and a client certificate, if any). */
    readonly tls?: ClientTls,
  ) {}

  private send(path: string, init: RequestInit) {
    return request(`${this.baseUrl}${path}`, { ...init, tls: this.tls });
  }

  private auth(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  create(name: string, value: string, headers: Record<string, string> = {}) {
    return this.send('/v1/secrets', { method: 'POST', body: { name, value }, headers: this.auth(headers) });
  }

  update(name: string, value: string, expectedVersion?: number, headers: Record<string, string> = {}) {
    const body = expectedVersion === undefined ? { value } : { value, expectedVersion };
    return this.send(`/v1/secrets/${encodeURIComponent(name)}`, { method: 'PUT', body, headers: this.auth(headers) });
  }

  read(name: string, version?: number) {
    const query = version === undefined ? '' : `?version=${version}`;
    return this.send(`/v1/secrets/${encodeURIComponent(name)}${query}`, { headers: this.auth() });
  }

  versions(name: string) {
    return this.send(`/v1/secrets/${encodeURIComponent(name)}/versions`, { headers: this.auth() });
  }

  delete(name: string, headers: Record<string, string> = {}) {
    return this.send(`/v1/secrets/${encodeURIComponent(name)}`, { method: 'DELETE', headers: this.auth(headers) });
  }

  envText(content: string, headers: Record<string, string> = {}) {
    return this.send('/v1/env', { method: 'POST', raw: content, headers: this.auth({ 'content-type': 'text/plain', ...headers }) });
  }

  envJson(content: string, headers: Record<string, string> = {}) {
    return this.send('/v1/env', { method: 'POST', body: { content }, headers: this.auth(headers) });
  }

  status() {
    return this.send('/status', { headers: this.auth() });
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.send(path, { headers: this.auth(headers) });
  }

  /** The same replica with another token. */
  as(token: string): VaultClient {
    return new VaultClient(this.baseUrl, token, this.tls);
  }

  createToken(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    return this.send('/v1/tokens', { method: 'POST', body, headers: this.auth(headers) });
  }

  listTokens() {
    return this.send('/v1/tokens', { headers: this.auth() });
  }

  getToken(id: string) {
    return this.send(`/v1/tokens/${encodeURIComponent(id)}`, { headers: this.auth() });
  }

  revokeToken(id: string, headers: Record<string, string> = {}) {
    return this.send(`/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE', headers: this.auth(headers) });
  }

  audit(query: Record<string, string | number> = {}) {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.send(`/v1/audit${search ? `?${search}` : ''}`, { headers: this.auth() });
  }
}
