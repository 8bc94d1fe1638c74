// helm template runs, key generation (genCA, genSignedCert) and the schema validator each
// take up to a few seconds on a busy 2-core machine.
jest.setTimeout(120_000);
