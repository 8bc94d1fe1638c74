import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa, IssuedCertificate, TestCa } from '../../test/support/tls';
import { readTlsMaterial, summarizeCertificate, TlsMaterial } from './tls-files';
import { TlsReloader } from './tls-reloader';

/**
 * The reloader against real files and real certificates (made with openssl): it applies a
 * renewal once, only when the three files make a usable context, and never logs a key.
 */
describe('TlsReloader', () => {
  let dir: string;
  let ca: TestCa;
  let first: IssuedCertificate;
  let renewed: IssuedCertificate;
  /** The files a replica is configured with; each test rewrites them in place. */
  const files = () => ({ cert: join(dir, 'live.crt'), key: join(dir, 'live.key'), ca: join(dir, 'live-ca.crt') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vault-tls-reload-'));
    ca = await createTestCa(dir, 'reload');
    first = await ca.issue('n1');
    renewed = await ca.issue('n1-renewed');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const install = (certificate: IssuedCertificate, key = certificate.keyFile) => {
    copyFileSync(certificate.certFile, files().cert);
    copyFileSync(key, files().key);
    copyFileSync(ca.certFile, files().ca);
  };

  function reloaderOn(material: TlsMaterial, apply: (m: TlsMaterial) => void = () => undefined) {
    const applied: TlsMaterial[] = [];
    const logged: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
    const reloader = new TlsReloader(
      material,
      (m) => {
        apply(m);
        applied.push(m);
      },
      (level, msg, fields) => logged.push({ level, msg, fields }),
    );
    return { reloader, applied, logged };
  }

  it('does nothing while the files hold what is in use', () => {
    install(first);
    const { reloader, applied, logged } = reloaderOn(readTlsMaterial(files()));
    expect(reloader.reload('signal')).toBe('unchanged');
    expect(applied).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('applies a renewed certificate once, and logs which one it is without the key', () => {
    install(first);
    const { reloader, applied, logged } = reloaderOn(readTlsMaterial(files()));
    install(renewed);
    expect(reloader.reload('signal')).toBe('reloaded');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ cert: renewed.cert, key: renewed.key, files: files() });
    expect(reloader.material.cert).toBe(renewed.cert);
    expect(reloader.outcomes).toEqual({ reloaded: 1, refused: 0 });
    expect(reloader.expiresAt).toBe(Date.parse(summarizeCertificate(renewed.cert).validTo));
    expect(reloader.reload('signal')).toBe('unchanged');
    expect(applied).toHaveLength(1);

    expect(logged).toEqual([
      {
        level: 'info',
        msg: 'tls files reloaded',
        fields: {
          trigger: 'signal',
          certificate: summarizeCertificate(renewed.cert),
          previousFingerprint256: summarizeCertificate(first.cert).fingerprint256,
          caChanged: false,
        },
      },
    ]);
    expect(summarizeCertificate(renewed.cert).subject).toContain('n1-renewed');
    expect(JSON.stringify(logged)).not.toContain('PRIVATE KEY');
  });

  it('keeps the certificate in use while the files are half renewed (a new certificate, the old key), then takes the whole renewal', () => {
    install(first);
    const { reloader, applied, logged } = reloaderOn(readTlsMaterial(files()));
    install(renewed, first.keyFile);
    expect(reloader.reload('timer')).toBe('refused');
    expect(applied).toEqual([]);
    expect(reloader.material.cert).toBe(first.cert);
    expect(logged).toEqual([{ level: 'warn', msg: 'tls files not reloaded: keeping the certificate in use', fields: { trigger: 'timer', reason: expect.stringContaining('do not make a TLS context') } }]);
    expect(JSON.stringify(logged)).not.toContain('PRIVATE KEY');

    install(renewed);
    expect(reloader.reload('timer')).toBe('reloaded');
    expect(applied.map((m) => m.cert)).toEqual([renewed.cert]);
  });

  it('keeps the certificate in use when a file is missing or not PEM', () => {
    install(first);
    const { reloader, applied, logged } = reloaderOn(readTlsMaterial(files()));
    rmSync(files().key);
    expect(reloader.reload('signal')).toBe('refused');
    writeFileSync(files().key, 'not a key');
    expect(reloader.reload('signal')).toBe('refused');
    expect(applied).toEqual([]);
    expect(reloader.outcomes).toEqual({ reloaded: 0, refused: 2 });
    expect(logged.map((l) => l.fields.reason)).toEqual([expect.stringContaining('cannot read'), expect.stringContaining('is not a PEM file')]);
  });

  it('keeps the certificate in use when a listener refuses the new one', () => {
    install(first);
    const { reloader, applied, logged } = reloaderOn(readTlsMaterial(files()), () => {
      throw new Error('listener refused the context');
    });
    install(renewed);
    expect(reloader.reload('signal')).toBe('refused');
    expect(applied).toEqual([]);
    expect(reloader.material.cert).toBe(first.cert);
    expect(reloader.outcomes).toEqual({ reloaded: 0, refused: 1 });
    expect(logged[0]).toMatchObject({ level: 'warn', fields: { reason: 'listener refused the context' } });
  });

  it('polls the files on its own once started, and stops when told', async () => {
    install(first);
    const { reloader, applied } = reloaderOn(readTlsMaterial(files()));
    reloader.start(20);
    try {
      install(renewed);
      for (let waited = 0; applied.length === 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(applied.map((m) => m.cert)).toEqual([renewed.cert]);
    } finally {
      reloader.stop();
    }
    install(first);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(applied).toHaveLength(1);
  });

  it('does not poll with an interval of 0 (VAULT_TLS_RELOAD_SECONDS=0: SIGHUP only)', async () => {
    install(first);
    const { reloader, applied } = reloaderOn(readTlsMaterial(files()));
    reloader.start(0);
    install(renewed);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(applied).toEqual([]);
    expect(reloader.reload('signal')).toBe('reloaded');
  });
});
