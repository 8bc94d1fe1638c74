import { eventually, TestCluster } from '../support/cluster';
import { scannedCluster } from '../support/plaintext-scan';
import { unpackManifest } from '../../src/vault/state/manifest-codec';

/**
 * Retrieval, history with validity intervals, and read repair (docs/api.md, docs/model.md "Reads" and "Read repair"), on a
 * real 5-replica cluster (k=3, m=3, b=1).
 */
describe('reads, history and read repair (5 real replicas, k=3, m=3, b=1)', () => {
  const suite = scannedCluster({ n: 5, k: 3, m: 3, b: 1 });
  const value = suite.value;
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = suite.cluster;
  });
  const committedShares = async (index: number, name: string, version?: number) =>
    (
      await cluster.query(
        index,
        `SELECT version FROM secret_version WHERE name = $1 AND state = 'committed'${version ? ' AND version = $2' : ''}`,
        version ? [name, version] : [name],
      )
    ).length;
  const repairSucceeded = async (index: number) => (await cluster.client(index).status()).body.repair.succeeded as number;
  /** Whether replica `index` holds a committed share of `name` that its salt and its split's manifest vouch for. */
  const holdsGoodShare = async (index: number, name: string) => {
    const rows = await cluster.query<{ share: Buffer; share_salt: Buffer; manifest: Buffer }>(
      index,
      `SELECT b.share, b.share_salt, v.manifest FROM secret_version v JOIN secret_share b ON b.version_id = v.id WHERE v.name = $1 AND v.state = 'committed'`,
      [name],
    );
    const { createHash } = await import('node:crypto');
    return rows.length === 1 && createHash('sha256').update(rows[0].share_salt).update(rows[0].share).digest('hex') === unpackManifest(rows[0].manifest)[`n${index + 1}`]?.digest;
  };

  it('reads the latest and every version from every replica, with ordered validity intervals', async () => {
    const values = [value('v1'), value('v2'), value('v3')];
    expect((await cluster.client(0).create('HIST', values[0])).status).toBe(201);
    expect((await cluster.client(1).update('HIST', values[1])).status).toBe(200);
    expect((await cluster.client(2).update('HIST', values[2])).status).toBe(200);

    const history = await cluster.client(3).versions('HIST');
    expect(history.status).toBe(200);
    const versions = history.body.versions as Array<{ version: number; validFrom: string; validTo: string | null }>;
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(Object.keys(versions[0]).sort()).toEqual(['validFrom', 'validTo', 'version']); // never a value
    for (let i = 0; i < 2; i++) {
      expect(versions[i].validTo).toBe(versions[i + 1].validFrom);
      expect(Date.parse(versions[i + 1].validFrom)).toBeGreaterThan(Date.parse(versions[i].validFrom));
    }
    expect(versions[2].validTo).toBeNull();

    for (let r = 0; r < 5; r++) {
      const latest = await cluster.client(r).read('HIST');
      expect(latest.body).toEqual({ name: 'HIST', version: 3, value: values[2], validFrom: versions[2].validFrom, validTo: null });
      for (let v = 1; v <= 3; v++) {
        const old = await cluster.client(r).read('HIST', v);
        expect(old.status).toBe(200);
        expect(old.body).toEqual({ name: 'HIST', version: v, value: values[v - 1], validFrom: versions[v - 1].validFrom, validTo: versions[v - 1].validTo });
      }
      const beyond = await cluster.client(r).read('HIST', 4);
      expect(beyond.status).toBe(404);
      expect(beyond.body.code).toBe('VERSION_NOT_FOUND');
    }
    expect((await cluster.client(0).versions('NO_SUCH_SECRET')).status).toBe(404);
  });

  it('repairs shares on a latest read close to the threshold, so the value survives two other replicas going down', async () => {
    const secret = value('repair');
    await cluster.kill(3, 4);
    expect((await cluster.client(0).create('REPAIRED', secret)).status).toBe(201);
    await cluster.restart([3, 4]);
    expect(await committedShares(3, 'REPAIRED')).toBe(0);

    const before = await repairSucceeded(0);
    const read = await cluster.client(0).read('REPAIRED');
    expect(read.body).toMatchObject({ version: 1, value: secret });
    // One repair: a new split of version 1, written to every replica under the name's lock.
    await eventually(async () => (await repairSucceeded(0)) >= before + 1);
    await eventually(async () => (await holdsGoodShare(3, 'REPAIRED')) && (await holdsGoodShare(4, 'REPAIRED')));
    expect(await committedShares(3, 'REPAIRED', 1)).toBe(1);
    expect(await committedShares(4, 'REPAIRED', 1)).toBe(1);

    await cluster.stop(0, 1);
    try {
      const after = await cluster.client(2).read('REPAIRED');
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ version: 1, value: secret });
      const history = await cluster.client(4).versions('REPAIRED');
      expect(history.body.versions).toHaveLength(1);
    } finally {
      await cluster.restart([0, 1]);
    }
  });

  it('without that read, the same outage leaves too few shares: 503 INSUFFICIENT_SHARDS, never a wrong value', async () => {
    const secret = value('unrepaired');
    await cluster.kill(3, 4);
    expect((await cluster.client(0).create('UNREPAIRED', secret)).status).toBe(201);
    await cluster.restart([3, 4]);
    await cluster.stop(0, 1);
    try {
      const read = await cluster.client(2).read('UNREPAIRED');
      expect(read.status).toBe(503);
      expect(read.body.code).toBe('INSUFFICIENT_SHARDS');
      expect(read.text).not.toContain(secret);
    } finally {
      await cluster.restart([0, 1]);
    }
    // All five back: it reads again (and this read repairs).
    expect((await cluster.client(1).read('UNREPAIRED')).body.value).toBe(secret);
  });

  it('never repairs on a read of an older version', async () => {
    const v1 = value('old-1');
    await cluster.kill(3, 4);
    expect((await cluster.client(0).create('OLDREAD', v1)).status).toBe(201);
    await cluster.restart([3, 4]);
    const v2 = value('old-2');
    expect((await cluster.client(1).update('OLDREAD', v2)).status).toBe(200);

    const before = (await cluster.client(0).status()).body.repair.attempted;
    expect((await cluster.client(0).read('OLDREAD', 1)).body.value).toBe(v1);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await cluster.client(0).status()).body.repair.attempted).toBe(before);
    expect(await committedShares(3, 'OLDREAD', 1)).toBe(0);
    expect(await committedShares(4, 'OLDREAD', 1)).toBe(0);

    await cluster.stop(0, 1);
    try {
      expect((await cluster.client(2).read('OLDREAD', 1)).body.code).toBe('INSUFFICIENT_SHARDS');
      expect((await cluster.client(2).read('OLDREAD')).body.value).toBe(v2);
    } finally {
      await cluster.restart([0, 1]);
    }
  });

  it('reads the right value with one replica\'s stored share corrupted, counts it, and repairs it', async () => {
    const secret = value('corrupt');
    expect((await cluster.client(0).create('CORRUPTED', secret)).status).toBe(201);
    const shareOf = async (i: number) =>
      (
        await cluster.query<{ share: Buffer }>(
          i,
          `SELECT b.share FROM secret_version v JOIN secret_share b ON b.version_id = v.id WHERE v.name = 'CORRUPTED' AND v.state = 'committed'`,
        )
      )[0]?.share.toString('hex');
    // The outcome reaches replicas just after the client's answer.
    await eventually(async () => (await shareOf(2)) !== undefined);
    const original = await shareOf(2);
    await cluster.query(2, `UPDATE secret_share b SET share = set_byte(b.share, 0, (get_byte(b.share, 0) + 1) % 256) FROM secret_version v WHERE v.id = b.version_id AND v.name = 'CORRUPTED'`);
    expect(await shareOf(2)).not.toBe(original);
    expect(await holdsGoodShare(2, 'CORRUPTED')).toBe(false);
    // The replica cached the share its commit left; this one changed behind its back.
    await cluster.restart([2]);

    const skippedBefore = (await cluster.client(0).status()).body.shares.corruptSkipped;
    const read = await cluster.client(0).read('CORRUPTED');
    expect(read.status).toBe(200);
    expect(read.body.value).toBe(secret);
    await eventually(async () => (await cluster.client(0).status()).body.shares.corruptSkipped === skippedBefore + 1);
    // Four good shares is within k+b: the read repaired the version with a new split, so
    // replica n3 again holds a share that its salt and the manifest vouch for.
    await eventually(async () => await holdsGoodShare(2, 'CORRUPTED'));
    const repaired = await shareOf(2);
    expect(repaired).not.toBe(original);
    for (let r = 0; r < 5; r++) expect((await cluster.client(r).read('CORRUPTED')).body.value).toBe(secret);

    // A share corrupted together with its own digest column on one replica still loses to
    // the manifests the other replicas hold.
    await cluster.query(1, `UPDATE secret_share b SET share = set_byte(b.share, 3, (get_byte(b.share, 3) + 7) % 256) FROM secret_version v WHERE v.id = b.version_id AND v.name = 'CORRUPTED'`);
    await cluster.query(1, `UPDATE secret_version v SET share_digest = encode(sha256(b.share), 'hex') FROM secret_share b WHERE b.version_id = v.id AND v.name = 'CORRUPTED'`);
    await cluster.restart([1]);
    await cluster.kill(4);
    try {
      // n1, n3 and n4 hold good shares, n2 a bad one: exactly k good shares.
      const degraded = await cluster.client(0).read('CORRUPTED');
      expect(degraded.status).toBe(200);
      expect(degraded.body.value).toBe(secret);
    } finally {
      await cluster.restart([4]);
    }
  });

  it('lets a racing update or delete always win over repair: no revived name, no lost update, no wrong value', async () => {
    for (let round = 0; round < 12; round++) {
      const name = `RACE_${round}`;
      const first = value(`race-${round}-a`);
      const second = value(`race-${round}-b`);
      expect((await cluster.client(round % 5).create(name, first)).status).toBe(201);
      // Two replicas lose their shares of the latest version: the next latest read repairs.
      const lacking = [(round + 1) % 5, (round + 2) % 5];
      for (const i of lacking) {
        await cluster.query(i, `DELETE FROM secret_share b USING secret_version v WHERE b.version_id = v.id AND v.name = $1`, [name]);
        await cluster.query(i, `DELETE FROM secret_version WHERE name = $1`, [name]);
      }

      const deleting = round % 3 === 2;
      const [read, update, removal] = await Promise.all([
        cluster.client((round + 3) % 5).read(name),
        cluster.client((round + 4) % 5).update(name, second),
        deleting ? cluster.client(round % 5).delete(name) : Promise.resolve(null),
      ]);
      // A read sees one of the two values, each at its own version.
      if (read.status === 200) expect([`1:${first}`, `2:${second}`]).toContain(`${read.body.version}:${read.body.value}`);
      else expect(read.status).toBe(404);

      if (removal && removal.status === 200) {
        await eventually(async () => {
          for (let r = 0; r < 5; r++) {
            expect((await cluster.client(r).read(name)).status).toBe(404);
            expect(await committedShares(r, name)).toBe(0);
          }
        });
        continue;
      }
      expect(update.status).toBe(200);
      await new Promise((r) => setTimeout(r, 300)); // let the read's repair run out
      for (let r = 0; r < 5; r++) {
        const latest = await cluster.client(r).read(name);
        expect(latest.body).toMatchObject({ version: 2, value: second });
        expect((await cluster.client(r).read(name, 1)).body.value).toBe(first);
      }
    }
  });
});
