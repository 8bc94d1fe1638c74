import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { SKIP_BEARER_AUTH } from '../common/auth-metadata';
import { UnauthenticatedError } from '../common/errors';
import { isReservedName, SECRET_NAME_PATTERN } from '../common/names';
import { Capability } from '../vault/tokens/policy';
import { Principal, TokenAuthenticator } from '../vault/tokens/token-authenticator';
import { RateLimiter } from './rate-limiter';

/** What the audit trail learns of a request as it goes (src/api/audit-trail.ts). */
export interface AuditNote {
  principal?: Principal;
  name?: string | null;
  names?: string[];
  version?: number | null;
}

export interface VaultRequest extends Request {
  principal?: Principal;
  audit?: AuditNote;
}

/**
 * Authentication and the rate limit, for /v1 in front of the body parsers (docs/security.md):
 * a request without a valid token never gets its body parsed, and one over its token's rate
 * limit is refused before any other work. Other routes that need a token (/status) are
 * checked the same way by the AccessGuard, after routing, so that an unknown route there
 * stays a 404.
 */
export function authenticationMiddleware(authenticator: TokenAuthenticator, limiter: RateLimiter) {
  return (request: VaultRequest, _response: Response, next: NextFunction): void => {
    authenticate(request, authenticator, limiter).then(() => next(), next);
  };
}

async function authenticate(request: VaultRequest, authenticator: TokenAuthenticator, limiter: RateLimiter): Promise<Principal> {
  const principal = await authenticator.authenticate(request.headers.authorization);
  request.principal = principal;
  if (request.audit) request.audit.principal = principal;
  if (!principal.bootstrap) limiter.take(principal.tokenId, principal.rateLimit);
  return principal;
}

/** Where a route's secret name is: its `:name` path parameter, or the body's `name`. */
type NameSource = 'param' | 'body';
interface Requirement {
  capability: Capability;
  nameFrom?: NameSource;
}

const REQUIREMENT = 'vault:requires';

/**
 * The capability a route needs (docs/security.md, "Policies"), on the secret name taken
 * from `nameFrom` for name-scoped capabilities. Routes without it need only a valid token.
 */
export const Requires = (capability: Capability, nameFrom?: NameSource) => SetMetadata(REQUIREMENT, { capability, nameFrom } satisfies Requirement);

/**
 * The one place a route's access is decided, before any work: the token (authenticated by
 * the middleware above) must be granted the route's capability on its name. A name that is
 * invalid or reserved is left to validation (400), which refuses it for every token.
 * `.env` files check each name they mention inside the use case, through the same Policy.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: TokenAuthenticator,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(SKIP_BEARER_AUTH, targets)) return true;
    const request = context.switchToHttp().getRequest<VaultRequest>();
    const principal = request.principal ?? (await authenticate(request, this.authenticator, this.limiter));
    const version = typeof request.query?.version === 'string' && /^[1-9][0-9]{0,9}$/.test(request.query.version) ? Number(request.query.version) : undefined;
    if (request.audit && version !== undefined) request.audit.version = version;
    const requirement = this.reflector.get<Requirement | undefined>(REQUIREMENT, context.getHandler());
    if (!requirement) return true;
    if (!requirement.nameFrom) {
      principal.policy.require([{ capability: requirement.capability }]);
      return true;
    }
    const name: unknown = requirement.nameFrom === 'param' ? request.params?.name : (request.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || !SECRET_NAME_PATTERN.test(name) || isReservedName(name)) return true;
    if (request.audit) request.audit.name = name;
    principal.policy.require([{ capability: requirement.capability, name }]);
    return true;
  }
}

/** The authenticated caller of a route (the guard has made sure there is one). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<VaultRequest>().principal;
  if (!principal) throw new UnauthenticatedError('Missing or invalid bearer token.');
  return principal;
});

/** The request's audit note, for a controller to add what only it knows (a version, names). */
export const AuditTrail = createParamDecorator((_: unknown, context: ExecutionContext): AuditNote => {
  const request = context.switchToHttp().getRequest<VaultRequest>();
  request.audit ??= {};
  return request.audit;
});
