import { VirtualClock } from '../../common/testing/virtual-clock';
import { CommitParticipant, TxHeader } from './participant';
import { settleInDoubt, Settler } from './recovery';

const header = (txId: string): TxHeader => ({ txId, coordinator: 'n9', createdAt: 0, names: [txId] });

describe('settling in doubt, each transaction on its own', () => {
  it('goes on with every other transaction when settling one of them throws', async () => {
    const abandoned: string[] = [];
    const participant = {
      inDoubt: async () => [header('a'), header('boom'), header('b'), header('gone')],
      abandon: async (h: TxHeader) => {
        abandoned.push(h.txId);
      },
    } as unknown as CommitParticipant;
    const settled: string[] = [];
    const settler = {
      settle: async (h: TxHeader) => {
        if (h.txId === 'boom') throw new Error('a broken answer');
        if (h.txId === 'gone') return 'forgotten';
        settled.push(h.txId);
        return 'commit';
      },
    } as unknown as Settler;
    const log: string[] = [];
    const tally = await settleInDoubt(participant, settler, new VirtualClock(), 3000, (_level, msg) => log.push(msg));
    expect(tally).toEqual({ settled: 2, unsettled: 1, forgotten: 1 });
    expect(settled.sort()).toEqual(['a', 'b']);
    expect(abandoned).toEqual(['gone']);
    expect(log).toContain('settling a transaction failed');
  });
});
