/** A tiny HTTP client for the e2e suites: real requests, parsed answers. */
export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export async function request<T = any>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number; raw?: string } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body,
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as T, text, headers: response.headers };
}

/** A client bound to one replica and the cluster's token. */
export class VaultClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private auth(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  create(name: string, value: string, headers: Record<string, string> = {}) {
    return request(`${this.baseUrl}/v1/secrets`, { method: 'POST', body: { name, value }, headers: this.auth(headers) });
  }

  update(name: string, value: string, expectedVersion?: number, headers: Record<string, string> = {}) {
    const body = expectedVersion === undefined ? { value } : { value, expectedVersion };
    return request(`${this.baseUrl}/v1/secrets/${encodeURIComponent(name)}`, { method: 'PUT', body, headers: this.auth(headers) });
  }

  read(name: string, version?: number) {
    const query = version === undefined ? '' : `?version=${version}`;
    return request(`${this.baseUrl}/v1/secrets/${encodeURIComponent(name)}${query}`, { headers: this.auth() });
  }

  versions(name: string) {
    return request(`${this.baseUrl}/v1/secrets/${encodeURIComponent(name)}/versions`, { headers: this.auth() });
  }

  delete(name: string, headers: Record<string, string> = {}) {
    return request(`${this.baseUrl}/v1/secrets/${encodeURIComponent(name)}`, { method: 'DELETE', headers: this.auth(headers) });
  }

  envText(content: string, headers: Record<string, string> = {}) {
    return request(`${this.baseUrl}/v1/env`, { method: 'POST', raw: content, headers: this.auth({ 'content-type': 'text/plain', ...headers }) });
  }

  envJson(content: string, headers: Record<string, string> = {}) {
    return request(`${this.baseUrl}/v1/env`, { method: 'POST', body: { content }, headers: this.auth(headers) });
  }

  status() {
    return request(`${this.baseUrl}/status`, { headers: this.auth() });
  }

  get(path: string, headers: Record<string, string> = {}) {
    return request(`${this.baseUrl}${path}`, { headers: this.auth(headers) });
  }
}
