import { ValidationError, ValidationPipe } from '@nestjs/common';
import { PayloadTooLargeError, ProblemDetail, ValidationFailedError } from '../common/errors';
import { MAX_UTF8_BYTES } from './dto/validators';

/**
 * The global pipe: unknown fields are a 400, and every problem is listed with its field.
 * A value over the size limit is a 413 (docs/api.md, "Errors"), even next to other problems.
 * Messages come from the constraint rules and never echo the value.
 */
export function vaultValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => {
      const details = flatten(errors);
      const tooLarge = flattenRaw(errors).filter((e) => e.constraints && MAX_UTF8_BYTES in e.constraints);
      if (tooLarge.length > 0) {
        return new PayloadTooLargeError('A value is larger than 65536 bytes.', details.filter((d) => tooLarge.some((e) => e.property === d.field)));
      }
      return new ValidationFailedError(details);
    },
  });
}

function flattenRaw(errors: ValidationError[]): ValidationError[] {
  return errors.flatMap((e) => [e, ...flattenRaw(e.children ?? [])]);
}

function flatten(errors: ValidationError[], prefix = ''): ProblemDetail[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: message.replace(/^property /, '') }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
