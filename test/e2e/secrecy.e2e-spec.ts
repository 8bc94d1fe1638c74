import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { combine } from 'shamir-secret-sharing';
import { eventually, TestCluster } from '../support/cluster';
import { scannedCluster } from '../support/plaintext-scan';
import { SplitManifest } from '../../src/vault/protocol';
import { packManifest, unpackManifest } from '../../src/vault/state/manifest-codec';

/**
 * Shares that reveal nothing (docs/security.md): salted digests that no other replica's
 * data can test a guess against, one database login per replica, destroyed shares erased
 * from the table's pages, and splits from before salts still readable and re-split.
 * 3 replicas with k=2, so that one replica's tables hold k-1 shares.
 */
describe('secrecy at rest (3 real replicas, k=2, m=2)', () => {
  const suite = scannedCluster({ n: 3, k: 2, m: 2 });
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = suite.cluster;
  });

  interface Row {
    share: Buffer;
    share_salt: Buffer | null;
    manifest: SplitManifest;
  }
  /** The committed row of `name` on replica `index` (undefined while it has none, as a query's first row). */
  const rowOf = async (index: number, name: string): Promise<Row> => {
    const [row] = await cluster.query<Omit<Row, 'manifest'> & { manifest: Buffer }>(
      index,
      `SELECT b.share, b.share_salt, v.manifest FROM secret_version v JOIN secret_share b ON b.version_id = v.id WHERE v.name = $1 AND v.state = 'committed'`,
      [name],
    );
    return (row && { ...row, manifest: unpackManifest(row.manifest) }) as Row;
  };
  const waitForShares = (name: string) =>
    eventually(async () => {
      for (let i = 0; i < 3; i++) expect(await rowOf(i, name)).toBeDefined();
    });

  /**
   * The attacker of docs/security.md with one replica's tables (k-1 = 1 share): a guess
   * fixes the polynomial, which gives another replica's share, and the manifest holds that
   * share's digest. Shamir arithmetic comes from the audited library: the share at x2 of the
   * line through (0, guess) and (x1, y1) is what `combine` returns for those two points
   * shifted by x2 (a shift of the x-axis is an XOR in GF(2^8)).
   */
  async function attack(stolen: Row, candidates: string[], digestOf: (share: Uint8Array, target: string) => string | null): Promise<string[]> {
    const x1 = stolen.share[stolen.share.length - 1];
    const matches: string[] = [];
    for (const guess of candidates) {
      const padded = Buffer.alloc(64);
      padded.writeUInt32BE(Buffer.byteLength(guess), 0);
      padded.write(guess, 4);
      for (const [target, entry] of Object.entries(stolen.manifest)) {
        if (entry.x === x1) continue;
        const shiftedOwn = new Uint8Array(stolen.share);
        shiftedOwn[shiftedOwn.length - 1] = x1 ^ entry.x;
        const shiftedGuess = new Uint8Array(65);
        shiftedGuess.set(padded);
        shiftedGuess[64] = entry.x; // 0 XOR x2
        const y = await combine([shiftedOwn, shiftedGuess]);
        const predicted = new Uint8Array(65);
        predicted.set(y);
        predicted[64] = entry.x;
        if (digestOf(predicted, target) === entry.digest) {
          matches.push(guess);
          break;
        }
      }
    }
    return matches;
  }

  it('lets no replica\'s tables test a guessed value against another replica\'s share, while the old manifests did', async () => {
    // 60 bytes: prefix + value fill the 64-byte bucket exactly, so the padding has no random filler.
    const candidates = Array.from({ length: 200 }, (_, i) => `candidate-password-${String(i).padStart(4, '0')}`.padEnd(60, '!'));
    const secret = candidates[137];
    suite.written.push(secret);
    expect((await cluster.client(0).create('GUESSABLE', secret)).status).toBe(201);
    await waitForShares('GUESSABLE');
    const rows = await Promise.all([0, 1, 2].map((i) => rowOf(i, 'GUESSABLE')));

    // Today's format: the digests are salted with salts only their holders have.
    const found = await attack(rows[0], candidates, (share) => createHash('sha256').update(share).digest('hex'));
    expect(found).toEqual([]);
    expect(rows[0].manifest.n2.digest).not.toBe(createHash('sha256').update(rows[1].share).digest('hex'));

    // The old format (unsalted SHA-256 of each share in every manifest) gave it away.
    const legacyManifest = Object.fromEntries(rows.map((r, i) => [`n${i + 1}`, { x: r.share[r.share.length - 1], digest: createHash('sha256').update(r.share).digest('hex') }]));
    const foundInOld = await attack({ ...rows[0], manifest: legacyManifest }, candidates, (share) => createHash('sha256').update(share).digest('hex'));
    expect(foundInOld).toEqual([secret]);
  });

  it('gives each replica its own database login, refused a SELECT on any other replica\'s schema', async () => {
    for (let i = 0; i < 3; i++) {
      const login = new Client({ connectionString: cluster.replicaDatabaseUrl(i) });
      await login.connect();
      try {
        const own = await login.query(`SELECT count(*) AS n FROM "${cluster.schema(i)}".secret_version`);
        expect(Number(own.rows[0].n)).toBeGreaterThan(0);
        for (let j = 0; j < 3; j++) {
          if (j === i) continue;
          await expect(login.query(`SELECT * FROM "${cluster.schema(j)}".secret_version`)).rejects.toThrow(/permission denied/);
        }
        await expect(login.query(`CREATE TABLE public.x (y int)`)).rejects.toThrow(/permission denied/);
      } finally {
        await login.end();
      }
    }
    // None of them warned at boot about a login that reads other replicas' schemas.
    expect(await cluster.allLogs()).not.toContain("can read other replicas' schemas");
  });

  it('erases a deleted secret\'s share bytes from the shares table\'s data file within seconds', async () => {
    const secret = suite.value('erased');
    expect((await cluster.client(1).create('ERASED', secret)).status).toBe(201);
    await waitForShares('ERASED');
    const shares = await Promise.all([0, 1, 2].map(async (i) => (await rowOf(i, 'ERASED')).share));
    const admin = new Client({ connectionString: cluster.databaseUrl });
    await admin.connect();
    const dataFile = async (i: number) => {
      await admin.query('CHECKPOINT');
      const { rows } = await admin.query(
        `SELECT current_setting('data_directory') AS dir, pg_relation_filepath(format('%I.%I', $1::text, 'secret_share')::regclass) AS file`,
        [cluster.schema(i)],
      );
      return readFile(join(rows[0].dir, rows[0].file));
    };
    try {
      // Before: each replica's share bytes sit in its data file (so the search below can find them).
      for (let i = 0; i < 3; i++) expect((await dataFile(i)).includes(shares[i])).toBe(true);
      expect((await cluster.client(2).delete('ERASED')).status).toBe(200);
      await eventually(async () => {
        for (let i = 0; i < 3; i++) expect((await dataFile(i)).includes(shares[i])).toBe(false);
      }, 25_000, 500);
    } finally {
      await admin.end();
    }
  });

  it('still reads a split written before salted digests, and re-splits it on that read', async () => {
    const secret = suite.value('legacy');
    expect((await cluster.client(0).create('LEGACY', secret)).status).toBe(201);
    await waitForShares('LEGACY');
    // Turn it into what the previous version wrote: no salts, unsalted digests in every manifest.
    const rows = await Promise.all([0, 1, 2].map((i) => rowOf(i, 'LEGACY')));
    const legacy = Object.fromEntries(rows.map((r, i) => [`n${i + 1}`, { x: r.share[r.share.length - 1], digest: createHash('sha256').update(r.share).digest('hex') }]));
    for (let i = 0; i < 3; i++) {
      await cluster.query(
        i,
        `UPDATE secret_version v SET share_digest = encode(sha256(b.share), 'hex'), manifest = $2 FROM secret_share b WHERE b.version_id = v.id AND v.name = $1 AND v.state = 'committed'`,
        ['LEGACY', packManifest(legacy)],
      );
      await cluster.query(
        i,
        `UPDATE secret_share b SET share_salt = NULL FROM secret_version v WHERE b.version_id = v.id AND v.name = $1 AND v.state = 'committed'`,
        ['LEGACY'],
      );
    }
    await cluster.restart([0, 1, 2]); // replicas cache what they read; this data changed behind their backs
    const read = await cluster.client(1).read('LEGACY');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ version: 1, value: secret });
    await eventually(async () => {
      for (let i = 0; i < 3; i++) {
        const row = await rowOf(i, 'LEGACY');
        expect(row.share_salt).not.toBeNull();
        expect(row.manifest[`n${i + 1}`].digest).toBe(createHash('sha256').update(row.share_salt!).update(row.share).digest('hex'));
      }
    });
    expect((await cluster.client(2).read('LEGACY')).body).toMatchObject({ version: 1, value: secret });
  });
});

describe('a replica whose login can read other replicas\' schemas', () => {
  it('says so at boot', async () => {
    // Every replica on the admin (superuser) login, as a careless deployment would do.
    const cluster = await TestCluster.start({ n: 2, extraEnv: { 0: { DATABASE_URL: process.env.VAULT_E2E_DATABASE_URL! }, 1: { DATABASE_URL: process.env.VAULT_E2E_DATABASE_URL! } } });
    try {
      await eventually(async () => expect(await cluster.logs(0)).toContain("can read other replicas' schemas"));
    } finally {
      await cluster.shutdown();
    }
  });
});
