import { registerDecorator, ValidationOptions } from 'class-validator';

import { isReservedName, RESERVED_NAME_RULE } from '../../common/names';

export { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '../../common/names';
export const MAX_VALUE_BYTES = 65536;
/** Versions are Postgres `integer`s. */
export const MAX_VERSION = 2_147_483_647;

/** The constraint name the validation pipe turns into 413 rather than 400. */
export const MAX_UTF8_BYTES = 'maxUtf8Bytes';

/** A string whose UTF-8 encoding is at most `max` bytes (docs/api.md counts bytes, not characters). */
export function MaxUtf8Bytes(max: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: MAX_UTF8_BYTES,
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be at most ${max} bytes of UTF-8`, ...options },
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= max,
      },
    });
}

/** A string that is well-formed UTF-16 (no lone surrogate), so it encodes to UTF-8 and back unchanged. */
export function IsWellFormedText(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isWellFormedText',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be valid Unicode text`, ...options },
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !/\p{Cs}/u.test(value),
      },
    });
}

/** Not under the reserved `_vault.` prefix (the vault's own records). */
export function IsNotReservedName(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isNotReservedName',
      target: target.constructor,
      propertyName,
      options: { message: RESERVED_NAME_RULE, ...options },
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !isReservedName(value),
      },
    });
}
