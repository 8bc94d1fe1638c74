import { Injectable } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { VaultError } from '../common/errors';

export type PeerHandler<T> = (body: T, fromPeer: string) => Promise<unknown>;

interface Registration {
  dto: ClassConstructor<object>;
  handler: PeerHandler<object>;
}

export class UnknownPeerRouteError extends VaultError {
  constructor(route: string) {
    super('NOT_FOUND', `No internal route '${route}'.`);
  }
}

/**
 * The internal peer API as a table of routes. Modules register a handler and the DTO that
 * validates its messages; the HTTP controller and the in-process path for calls to this
 * replica itself both dispatch through here, so both see the same validation.
 */
@Injectable()
export class PeerRouter {
  private readonly routes = new Map<string, Registration>();

  register<T extends object>(route: string, dto: ClassConstructor<T>, handler: PeerHandler<T>): void {
    if (this.routes.has(route)) throw new Error(`internal route ${route} registered twice`);
    this.routes.set(route, { dto, handler: handler as PeerHandler<object> });
  }

  has(route: string): boolean {
    return this.routes.has(route);
  }

  async dispatch(route: string, body: unknown, fromPeer: string): Promise<unknown> {
    const registration = this.routes.get(route);
    if (!registration) throw new UnknownPeerRouteError(route);
    const message = plainToInstance(registration.dto, body ?? {});
    const errors = await validate(message, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) {
      const fields = errors.map((e) => e.property).join(', ');
      throw new VaultError('VALIDATION_FAILED', `Invalid peer message for ${route}: ${fields}.`, {
        details: errors.map((e) => ({ field: e.property, message: Object.values(e.constraints ?? {}).join('; ') || 'invalid' })),
      });
    }
    return registration.handler(message, fromPeer);
  }
}
