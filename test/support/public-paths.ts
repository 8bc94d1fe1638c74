/** Every public path of openapi.yaml: the contract suite and the served document are checked against it. */
export const PUBLIC_PATHS = [
  '/health',
  '/health/ready',
  '/status',
  '/v1/audit',
  '/v1/env',
  '/v1/secrets',
  '/v1/secrets/{name}',
  '/v1/secrets/{name}/versions',
  '/v1/tokens',
  '/v1/tokens/{id}',
];
