// Four tiers: the generated files against the code, with nothing started (contract: `npm
// test` runs it first, on its own); pure logic and services with fakes beside the code
// (unit); real replica processes against a real embedded Postgres (e2e, which also drives
// the generated SDKs and Swagger UI in a browser); and the Helm chart and container image
// checked with the real helm binary and the Kubernetes schemas (chart).
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

module.exports = {
  projects: [
    {
      displayName: 'contract',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/contract/**/*.spec.ts'],
      setupFiles: ['reflect-metadata'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      setupFiles: ['reflect-metadata'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/{e2e,sdk,browser}/**/*.e2e-spec.ts'],
      setupFiles: ['reflect-metadata'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-setup.ts'],
    },
    {
      displayName: 'chart',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/chart/**/*.chart-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      setupFilesAfterEnv: ['<rootDir>/test/chart/support/setup.ts'],
    },
  ],
  // e2e suites start many processes each; running them one at a time keeps a 2-core machine honest.
  maxWorkers: 1,
};
