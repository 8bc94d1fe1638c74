import { createParamDecorator, ExecutionContext, PipeTransform } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationFailedError } from '../common/errors';
import { isReservedName, RESERVED_NAME_RULE } from '../common/names';
import { TOKEN_ID_PATTERN } from '../vault/tokens/token-format';
import { MAX_VERSION, SECRET_NAME_PATTERN, SECRET_NAME_RULE } from './dto/validators';

/** Path names are checked like body names: an invalid or reserved one is a 400 naming the field. */
export class SecretNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SECRET_NAME_PATTERN.test(value)) throw new ValidationFailedError([{ field: 'name', message: SECRET_NAME_RULE }]);
    if (isReservedName(value)) throw new ValidationFailedError([{ field: 'name', message: RESERVED_NAME_RULE }]);
    return value;
  }
}

export const TOKEN_ID_RULE = 'id must be 16 lowercase hexadecimal digits';

/** A token id in a path: 16 hex digits. */
export class TokenIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!TOKEN_ID_PATTERN.test(value)) throw new ValidationFailedError([{ field: 'id', message: TOKEN_ID_RULE }]);
    return value;
  }
}

/** `?version=N`: a positive integer in plain decimal, or absent. */
export class OptionalVersionPipe implements PipeTransform<string | undefined, number | undefined> {
  transform(value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > MAX_VERSION) {
      throw new ValidationFailedError([{ field: 'version', message: 'version must be a positive integer' }]);
    }
    return Number(value);
  }
}

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header, if any: 1 to 255 visible ASCII characters. */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
  const header = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(header)) {
    throw new ValidationFailedError([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 255 visible ASCII characters' }]);
  }
  return header;
});

export interface GatewayStampedRequest extends Request {
  gatewayTime?: number;
}

/** When this replica received the request (the gateway timestamp of docs/model.md, "The write flow"). */
export const GatewayTime = createParamDecorator((_: unknown, context: ExecutionContext): number => {
  const request = context.switchToHttp().getRequest<GatewayStampedRequest>();
  return request.gatewayTime ?? Date.now();
});

export function stampGatewayTime(request: GatewayStampedRequest, _response: unknown, next: () => void): void {
  request.gatewayTime = Date.now();
  next();
}
