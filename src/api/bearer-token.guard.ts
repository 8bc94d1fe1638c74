import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request } from 'express';
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
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer (.+)$/.exec(header) : null;
    // Compare digests so that the comparison takes the same time whatever the lengths.
    if (!match || !timingSafeEqual(digest(match[1]), this.expected)) {
      throw new UnauthenticatedError('Missing or invalid bearer token.');
    }
    return true;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
