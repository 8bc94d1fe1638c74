import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its key, as files (for VAULT_TLS_*) and as PEM text (for clients). */
export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** A throwaway certificate authority, made with the `openssl` binary for one suite. */
export interface TestCa {
  name: string;
  certFile: string;
  /** The CA certificate's PEM: what a client trusts, and what a replica gets as VAULT_TLS_CA. */
  cert: string;
  /**
   * A leaf certificate for `subject`, valid for 127.0.0.1 and localhost, usable both as a
   * server and as a client certificate (a replica is both to its peers).
   */
  issue(subject: string): Promise<IssuedCertificate>;
}

/** P-256 keys: quick to generate, and what a modern deployment would use. */
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export async function createTestCa(dir: string, name: string): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const caKey = join(dir, `${name}-ca.key`);
  const caCert = join(dir, `${name}-ca.crt`);
  await run('openssl', [
    'req', '-x509', ...KEY_ARGS, '-keyout', caKey, '-out', caCert, '-days', '2', '-subj', `/CN=${name} test CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const extensions = join(dir, `${name}-leaf.ext`);
  await writeFile(
    extensions,
    [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth, clientAuth',
      'subjectAltName = IP:127.0.0.1, DNS:localhost',
      '',
    ].join('\n'),
  );
  const cert = await readFile(caCert, 'utf8');
  let serial = 1;
  return {
    name,
    certFile: caCert,
    cert,
    async issue(subject: string): Promise<IssuedCertificate> {
      const keyFile = join(dir, `${name}-${subject}.key`);
      const csrFile = join(dir, `${name}-${subject}.csr`);
      const certFile = join(dir, `${name}-${subject}.crt`);
      await run('openssl', ['req', '-new', ...KEY_ARGS, '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${subject}`]);
      await run('openssl', [
        'x509', '-req', '-in', csrFile, '-CA', caCert, '-CAkey', caKey, '-set_serial', String(serial++), '-days', '2', '-out', certFile, '-extfile', extensions,
      ]);
      return { certFile, keyFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
    },
  };
}
