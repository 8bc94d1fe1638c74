/**
 * The one definition of a secret name (docs/api.md, "Requests and answers"). The API, the peer messages and the
 * `.env` parser all import it from here, so the rule cannot drift between them.
 */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
export const SECRET_NAME_RULE = 'name must match ^[A-Za-z_][A-Za-z0-9_.-]{0,127}$';

/**
 * Names under this prefix hold the vault's own records (tokens and their index,
 * docs/security.md): clients may not read, write, list or delete them.
 */
export const RESERVED_NAME_PREFIX = '_vault.';
export const RESERVED_NAME_RULE = `names starting with ${RESERVED_NAME_PREFIX} are reserved for the vault's own records`;

export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_NAME_PREFIX);
}
