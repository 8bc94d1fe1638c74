/**
 * The one definition of a secret name (SPEC section 2). The API, the peer messages and the
 * `.env` parser all import it from here, so the rule cannot drift between them.
 */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
export const SECRET_NAME_RULE = 'name must match ^[A-Za-z_][A-Za-z0-9_.-]{0,127}$';
