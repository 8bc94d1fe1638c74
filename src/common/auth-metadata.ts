import { SetMetadata } from '@nestjs/common';

/**
 * Routes that do not take the client bearer token: health probes (no auth at all) and the
 * internal peer API (authenticated by request signatures instead).
 */
export const SKIP_BEARER_AUTH = 'vault:skip-bearer-auth';
export const SkipBearerAuth = () => SetMetadata(SKIP_BEARER_AUTH, true);
