import { compileSchema, S } from '../../common/schema';

/**
 * One HTTP request between replicas carries a batch of messages; its answer carries one
 * result per message. Bodies stay JSON; shares travel base64 inside them.
 */
export const INTERNAL_PATH = '/internal/batch';

/** Messages per batch. */
export const MAX_BATCH_MESSAGES = 512;
/** A batch stops growing at this size; one larger message still travels, alone. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/**
 * The largest body a replica accepts on /internal (and as an answer): the largest single
 * legitimate message, a `.env` transaction's prepare (docs/env.md bounds its entries and
 * size; its shares and manifests stay well below this).
 */
export const INTERNAL_BODY_LIMIT = 32 * 1024 * 1024;

export interface BatchRequest {
  m: Array<{ i: number; r: string; b: unknown }>;
}

export type MessageResult = { i: number; ok: true; v: unknown } | { i: number; ok: false; code: string; message: string };

export interface BatchAnswer {
  a: MessageResult[];
}

const ROUTE = { type: 'string', pattern: '^[a-z]+/[a-z]+$' };

export const envelopeSchemas = {
  request: compileSchema<BatchRequest>(
    S.object({ m: S.array(S.object({ i: S.int(0, MAX_BATCH_MESSAGES), r: ROUTE, b: {} }), MAX_BATCH_MESSAGES, 1) }),
  ),
  answer: compileSchema<BatchAnswer>(
    S.object({
      a: S.array(
        {
          oneOf: [
            S.object({ i: S.int(0, MAX_BATCH_MESSAGES), ok: S.enum(true), v: {} }),
            S.object({ i: S.int(0, MAX_BATCH_MESSAGES), ok: S.enum(false), code: S.string(64), message: S.string(2000) }),
          ],
        },
        MAX_BATCH_MESSAGES,
      ),
    }),
  ),
};
