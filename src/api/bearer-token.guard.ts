import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { SKIP_BEARER_AUTH } from '../common/auth-metadata';
import { UnauthenticatedError } from '../common/errors';
import { VaultConfig } from '../config';

/** Every route needs the client token unless marked otherwise (health, internal peer API). */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    private readonly reflector: Reflector,
    config: VaultConfig,
  ) {
    this.expected = digest(config.apiToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const skip = this.reflector.getAllAndOverride<boolean>(SKIP_BEARER_AUTH, [context.getHandler(), context.getClass()]);
    if (skip) return true;
    if (!bearerMatches(context.switchToHttp().getRequest<Request>().headers.authorization, this.expected)) {
      throw new UnauthenticatedError('Missing or invalid bearer token.');
    }
    return true;
  }
}

/**
 * The same check in front of the body parsers, for /v1: a client without the token never
 * gets a body parsed (SPEC section 2). The guard above still covers every other route.
 */
export function bearerTokenMiddleware(apiToken: string) {
  const expected = digest(apiToken);
  return (request: Request, _response: Response, next: NextFunction): void => {
    next(bearerMatches(request.headers.authorization, expected) ? undefined : new UnauthenticatedError('Missing or invalid bearer token.'));
  };
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = typeof header === 'string' ? /^Bearer (.+)$/.exec(header) : null;
  // Compare digests so that the comparison takes the same time whatever the lengths.
  return match !== null && timingSafeEqual(digest(match[1]), expected);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
