import { SecretNotFoundError, VaultError } from '../../common/errors';
import { SecretReader } from '../secrets/secret-reader';
import { SecretTransactions } from '../secrets/secret-transactions';
import { ApplyEnvFile } from './apply-env-file';

/** A reader whose answers arrive in an order unrelated to the file's. */
function readerWith(values: Record<string, string>, delays: Record<string, number>): SecretReader {
  return {
    read: (name: string) =>
      new Promise((resolve, reject) =>
        setTimeout(() => {
          if (name in values) resolve({ name, version: 1, value: values[name], validFrom: 0, validTo: null });
          else reject(new SecretNotFoundError(name));
        }, delays[name] ?? 0),
      ),
  } as unknown as SecretReader;
}

const noTransactions = { run: () => Promise.reject(new Error('no transaction expected')) } as unknown as SecretTransactions;

describe('ApplyEnvFile (with fake reads)', () => {
  it('lists unresolved names in file order, whatever order the reads finish in', async () => {
    const apply = new ApplyEnvFile(noTransactions, readerWith({ OK: 'v' }, { MISSING_1: 30, MISSING_2: 0 }));
    const error = await apply.apply({ content: 'A=secret(MISSING_1)\nB=secret(OK)\nC=secret(MISSING_2)\n', gatewayTime: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).code).toBe('ENV_REFERENCE_UNRESOLVED');
    expect((error as VaultError).extra.names).toEqual(['MISSING_1', 'MISSING_2']);
    expect((error as VaultError).extra.details).toEqual([
      { line: 1, name: 'MISSING_1', message: expect.any(String) },
      { line: 3, name: 'MISSING_2', message: expect.any(String) },
    ]);
  });

  it('expands references without any write when the file has no enc(...)', async () => {
    const apply = new ApplyEnvFile(noTransactions, readerWith({ DB: 'p#ss word' }, {}));
    const result = await apply.apply({ content: '# keep\nURL=secret(DB)\n', gatewayTime: 0 });
    expect(result).toEqual({ content: "# keep\nURL='p#ss word'\n", created: [], resolved: ['DB'] });
  });
});
