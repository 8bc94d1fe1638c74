import Ajv, { ErrorObject, SchemaObject } from 'ajv';

/**
 * Peer messages and peer answers are checked against JSON schemas compiled once by ajv:
 * the same strictness as class-validator (unknown fields refused), at a fraction of its
 * cost per message. Client input keeps class-validator (api/).
 */
const ajv = new Ajv({ allErrors: false, strict: true, coerceTypes: false, useDefaults: false });

export interface Validator<T> {
  (value: unknown): value is T;
  /** Why the last value failed, as `path: problem` (never the value itself). */
  problem(): string;
}

export function compileSchema<T>(schema: SchemaObject): Validator<T> {
  const check = ajv.compile(schema);
  const validator = ((value: unknown): value is T => check(value) === true) as Validator<T>;
  validator.problem = () => describe(check.errors ?? []);
  return validator;
}

function describe(errors: ErrorObject[]): string {
  const first = errors[0];
  if (!first) return 'invalid';
  return `${first.instancePath || '/'} ${first.message ?? 'invalid'}`;
}

// Building blocks shared by the message schemas.
export const S = {
  string: (maxLength = 1024, minLength = 0): SchemaObject => ({ type: 'string', minLength, maxLength }),
  pattern: (pattern: RegExp): SchemaObject => ({ type: 'string', pattern: pattern.source }),
  uuid: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as SchemaObject,
  int: (minimum = 0, maximum = Number.MAX_SAFE_INTEGER): SchemaObject => ({ type: 'integer', minimum, maximum }),
  nullable: (schema: SchemaObject): SchemaObject => ({ anyOf: [schema, { type: 'null' }] }),
  base64: (maxLength: number): SchemaObject => ({ type: 'string', maxLength, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
  object: (properties: Record<string, SchemaObject>, required: string[] = Object.keys(properties)): SchemaObject => ({
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  }),
  array: (items: SchemaObject, maxItems: number, minItems = 0): SchemaObject => ({ type: 'array', items, maxItems, minItems }),
  enum: (...values: Array<string | boolean>): SchemaObject => ({ enum: values }),
  /** Opaque JSON object (checked by whoever owns it). */
  anyObject: { type: 'object' } as SchemaObject,
};
