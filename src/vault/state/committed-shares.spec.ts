import { CommittedShares } from './committed-shares';
import { NameRow, ShareInsert, ShareOp, Writes } from './model';

const LIFETIME = '11111111-1111-4111-8111-111111111111';
const AT = 1_750_000_000_000;

function insert(txId: string, name: string, byte: number): ShareOp {
  const row: ShareInsert = {
    name,
    lifetimeId: null,
    version: null,
    splitId: `split-${txId}`,
    share: Buffer.from([byte, byte, 1]),
    salt: Buffer.from([9, 9]),
    manifest: { n1: { x: 1, digest: 'd' } },
    validFrom: null,
    state: 'prepared',
    txId,
  };
  return { kind: 'insert', row };
}

function promote(txId: string, name: string, version = 1, validFrom = AT): ShareOp {
  return { kind: 'promote', txId, name, lifetimeId: LIFETIME, version, validFrom };
}

function liveRow(name: string, over: Partial<NameRow> = {}): NameRow {
  return { name, lifetimeId: LIFETIME, revision: 1, status: 'live', currentVersion: 1, lastValidFrom: AT, deletedAt: null, lockTx: null, changeSeq: 7, ...over };
}

function writes(shareWaves: ShareOp[][], names: NameRow[] = []): Writes {
  return { names, txs: [], forgetTxs: [], idempotency: [], shareWaves, meta: null };
}

describe('CommittedShares: the fetch rows a commit leaves behind', () => {
  it('turns a remembered prepared share and its promote into the latest version\'s fetch row', () => {
    const shares = new CommittedShares();
    expect(shares.apply(writes([[insert('t1', 'A', 5)]]))).toEqual([]);
    const [warmed] = shares.apply(writes([[promote('t1', 'A')]], [liveRow('A')]));
    expect(warmed).toEqual({
      name: 'A',
      version: 1,
      row: {
        row: liveRow('A'),
        lock: null,
        share: { lifetimeId: LIFETIME, version: 1, splitId: 'split-t1', share: Buffer.from([5, 5, 1]), salt: Buffer.from([9, 9]), manifest: { n1: { x: 1, digest: 'd' } }, validFrom: AT, validTo: null },
        next: null,
      },
    });
  });

  it('keeps its own copy of the share: wiping the prepared buffer afterwards changes nothing', () => {
    const shares = new CommittedShares();
    const op = insert('t1', 'A', 5) as Extract<ShareOp, { kind: 'insert' }>;
    shares.apply(writes([[op]]));
    op.row.share.fill(0);
    const [warmed] = shares.apply(writes([[promote('t1', 'A')]], [liveRow('A')]));
    expect(warmed.row.share!.share).toEqual(Buffer.from([5, 5, 1]));
  });

  it('leaves alone a name still locked, not at the promoted version, promoted twice, or promoted at a fraction of a millisecond', () => {
    const shares = new CommittedShares();
    shares.apply(writes([[insert('t1', 'A', 1), insert('t2', 'B', 2), insert('t3', 'C', 3), insert('t4', 'D', 4), insert('t5', 'D', 5), insert('t6', 'E', 6)]]));
    const warmed = shares.apply(
      writes(
        [[promote('t1', 'A'), promote('t2', 'B'), promote('t3', 'C'), promote('t4', 'D'), promote('t5', 'D'), promote('t6', 'E', 1, AT + 0.5)]],
        [liveRow('A', { lockTx: 't9' }), liveRow('B', { currentVersion: 2 }), liveRow('C', { status: 'deleted' }), liveRow('D'), liveRow('E')],
      ),
    );
    expect(warmed).toEqual([]);
  });

  it('forgets a transaction\'s shares once it is dropped, decided or forgotten', () => {
    const shares = new CommittedShares();
    shares.apply(writes([[insert('t1', 'A', 1), insert('t2', 'B', 2), insert('t3', 'C', 3)]]));
    expect(shares.size).toEqual({ txs: 3, bytes: 9 });
    const decided = { txId: 't2', coordinator: 'n2', createdAt: AT, names: ['B'], shareNames: ['B'], vote: 'yes' as const, leaseExpiresAt: null, promised: null, accepted: null, decision: null, outcome: 'abort' as const, decidedAt: AT };
    shares.apply({ ...writes([[{ kind: 'dropPrepared', txId: 't1' }]]), txs: [decided], forgetTxs: ['t3'] });
    expect(shares.size).toEqual({ txs: 0, bytes: 0 });
    expect(shares.apply(writes([[promote('t1', 'A')]], [liveRow('A')]))).toEqual([]);
  });

  it('keeps at most its bounds of transactions and bytes, dropping the oldest first', () => {
    const shares = new CommittedShares({ txs: 2, bytes: 7 });
    shares.apply(writes([[insert('t1', 'A', 1)], [insert('t2', 'B', 2)]]));
    expect(shares.size).toEqual({ txs: 2, bytes: 6 });
    shares.apply(writes([[insert('t3', 'C', 3)]]));
    expect(shares.size).toEqual({ txs: 2, bytes: 6 });
    // t1 was dropped: its commit is left to storage; t3's is warmed.
    const warmed = shares.apply(writes([[promote('t1', 'A'), promote('t3', 'C')]], [liveRow('A'), liveRow('C')]));
    expect(warmed.map((w) => w.name)).toEqual(['C']);
  });

  it('leaves alone a name whose shares a later wave of the same write changed again, not one changed before the promote', () => {
    const shares = new CommittedShares();
    shares.apply(writes([[insert('t1', 'A', 1), insert('t2', 'B', 2)]]));
    const resplitLater: ShareOp = { kind: 'destroyVersion', name: 'A', lifetimeId: LIFETIME, version: 1 };
    const destroyedBefore: ShareOp = { kind: 'destroy', name: 'B', keepLifetime: LIFETIME };
    const warmed = shares.apply(writes([[destroyedBefore, promote('t1', 'A'), promote('t2', 'B')], [resplitLater]], [liveRow('A'), liveRow('B')]));
    expect(warmed.map((w) => w.name)).toEqual(['B']);
  });
});
