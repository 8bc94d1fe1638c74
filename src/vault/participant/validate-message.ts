import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { VaultError } from '../../common/errors';

/**
 * Validates an opaque payload that coordination carried (prepare, commit) against the
 * vault's own DTO, as strictly as client input.
 */
export function validateMessage<T extends object>(dto: ClassConstructor<T>, plain: unknown, what: string): T {
  const message = plainToInstance(dto, plain ?? {});
  const errors = validateSync(message, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new VaultError('VALIDATION_FAILED', `Invalid ${what}: ${errors.map((e) => e.property).join(', ')}.`);
  }
  return message;
}
