/**
 * The Vault client: `paths` and `components` are generated from openapi.yaml by
 * openapi-typescript (schema.ts, never edited by hand); calls go through openapi-fetch,
 * which types every path, parameter, body, answer and error from them.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths } from './schema';

type Schemas = components['schemas'];
/** The body of every error answer; branch on `code`. */
export type VaultError = Schemas['Error'];
export type ErrorCode = Schemas['ErrorCode'];
export type SecretValue = Schemas['SecretValue'];
export type WrittenVersion = Schemas['WrittenVersion'];
export type SecretVersions = Schemas['SecretVersions'];
export type DeletedSecret = Schemas['DeletedSecret'];
export type EnvFileResult = Schemas['EnvFileResult'];
export type PolicyRule = Schemas['PolicyRule'];
export type CreatedToken = Schemas['CreatedToken'];
export type Token = Schemas['Token'];
export type AuditPage = Schemas['AuditPage'];

/**
 * Answers are typed as their JSON form: every answer is JSON except POST /v1/env's text
 * form, which applyEnvText reads as text.
 */
export type VaultClient = Client<paths, 'application/json'>;

export interface VaultClientOptions {
  /** A replica's URL, e.g. http://localhost:8201 (any replica accepts any request). */
  baseUrl: string;
  /** A token made by POST /v1/tokens, or the bootstrap admin token (VAULT_API_TOKEN). */
  token: string;
  /** A fetch to use instead of the global one. */
  fetch?: (request: Request) => Promise<Response>;
}

/** A client bound to one replica that sends the bearer token with every request. */
export function createVaultClient(options: VaultClientOptions): VaultClient {
  const client = createClient<paths, 'application/json'>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: options.fetch });
  client.use({
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${options.token}`);
      return request;
    },
  });
  return client;
}

/**
 * POST /v1/env in its text/plain form: .env text in, .env text out. (The JSON form is
 * `client.POST('/v1/env', { body: { content } })`.) openapi-fetch serializes bodies as
 * JSON unless told otherwise, hence this helper.
 */
export function applyEnvText(client: VaultClient, content: string, options: { idempotencyKey?: string } = {}) {
  return client.POST('/v1/env', {
    body: content,
    bodySerializer: (body: unknown) => body as string,
    headers: { 'Content-Type': 'text/plain', ...(options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {}) },
    parseAs: 'text',
  });
}
