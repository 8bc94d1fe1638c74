import { VaultError, VotingPhaseFailedError, WriteConflictError, WritingPhaseFailedError } from '../../common/errors';
import { answerDecisionQuery, TransactionPlan } from './coordinator';
import { completeUnfinishedCommits, resolveInDoubt } from './recovery';
import { fakeCluster, FakeNode } from './testing/fake-cluster';

/** A plan with the real quorum rules: commit on m yes votes, retry while locks block it. */
function quorumPlan(m: number, names = ['db-password']): TransactionPlan<{ locked: string[] }, { names: string[] }, string> {
  return {
    prepareFor: () => ({ names }),
    decide(votes) {
      const yes = votes.filter((v) => v.yes).length;
      if (yes >= m) {
        return {
          kind: 'commit',
          decision: { names },
          requiredAcks: m,
          onCommitted: (acks) => `committed on ${acks.length}`,
          onWritingFailed: (acks) => new WritingPhaseFailedError(acks.length, m),
        };
      }
      const locked = votes.filter((v) => v.reason === 'locked').length;
      if (yes + locked >= m) return { kind: 'retry', onGiveUp: () => new WriteConflictError(names) };
      return { kind: 'abort', error: new VotingPhaseFailedError(yes, m) };
    },
  };
}

function expectNothingHeld(nodes: FakeNode[], exceptTx?: string) {
  for (const node of nodes) {
    const locks = [...node.participant.locks.values()].filter((l) => l.txId !== exceptTx);
    expect({ node: node.id, locks }).toEqual({ node: node.id, locks: [] });
    const prepared = [...node.participant.prepared.keys()].filter((tx) => tx !== exceptTx);
    expect({ node: node.id, prepared }).toEqual({ node: node.id, prepared: [] });
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VaultError) return error.code;
    throw error;
  }
  throw new Error('expected the transaction to fail');
}

describe('TwoPhaseCoordinator (in-memory network)', () => {
  it('commits on every replica when all vote yes, leaving no lock or prepared share', async () => {
    const { nodes } = fakeCluster(5);
    await expect(nodes[0].coordinator.run(quorumPlan(3))).resolves.toBe('committed on 5');
    for (const node of nodes) expect(node.participant.committed).toHaveLength(1);
    expectNothingHeld(nodes);
    const [decision] = [...nodes[0].store.records.values()];
    expect(decision).toMatchObject({ decision: 'commit', completed: true, pending: [] });
  });

  it('commits with m of n when two replicas are down', async () => {
    const { network, nodes } = fakeCluster(5);
    network.setDown('r4');
    network.setDown('r5');
    await expect(nodes[0].coordinator.run(quorumPlan(3))).resolves.toBe('committed on 3');
    expect(nodes[3].participant.committed).toHaveLength(0);
    expectNothingHeld(nodes);
  });

  it('fails in the voting phase when fewer than m vote yes, aborting the yes-voters', async () => {
    const { network, nodes } = fakeCluster(5);
    ['r3', 'r4', 'r5'].forEach((id) => network.setDown(id));
    expect(await codeOf(nodes[0].coordinator.run(quorumPlan(3)))).toBe('VOTING_PHASE_FAILED');
    expect(nodes[0].participant.aborted).toHaveLength(1);
    expect(nodes[1].participant.aborted).toHaveLength(1);
    expectNothingHeld(nodes);
    expect([...nodes[0].store.records.values()].filter((r) => r.decision === 'commit')).toHaveLength(0);
  });

  it('counts a vote lost in transit as a no, and aborts the replica that did prepare', async () => {
    const { network, nodes } = fakeCluster(5);
    network.addFault(({ to, route }) => (route === 'tx/prepare' && ['r3', 'r4', 'r5'].includes(to) ? 'lose-answer' : 'pass'));
    expect(await codeOf(nodes[0].coordinator.run(quorumPlan(3)))).toBe('VOTING_PHASE_FAILED');
    // r3..r5 prepared but their votes were lost: they are told to abort all the same.
    for (const node of nodes.slice(2)) expect(node.participant.aborted).toHaveLength(1);
    expectNothingHeld(nodes);
  });

  it('answers WRITING_PHASE_FAILED when the decision reaches fewer than m, then completes it in the background', async () => {
    const { network, nodes } = fakeCluster(5);
    const heal = network.addFault(({ to, route }) => (route === 'tx/commit' && ['r3', 'r4', 'r5'].includes(to) ? 'drop' : 'pass'));
    const error = await nodes[0].coordinator.run(quorumPlan(3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WritingPhaseFailedError);
    expect((error as WritingPhaseFailedError).extra).toMatchObject({ phase: 'writing', confirmed: 2 });
    const [decision] = [...nodes[0].store.records.values()];
    expect(decision.decision).toBe('commit');
    expect(decision.pending.sort()).toEqual(['r3', 'r4', 'r5']);
    expect(nodes[2].participant.locks.size).toBe(1);

    heal();
    await completeUnfinishedCommits(nodes[0].store, nodes[0].coordinator, -1);
    for (const node of nodes) expect(node.participant.committed).toHaveLength(1);
    expectNothingHeld(nodes);
    expect(nodes[0].store.records.get(decision.txId)).toMatchObject({ completed: true, pending: [] });
  });

  it('finishes a commit decided by a coordinator that crashed right after logging it', async () => {
    class Crash extends Error {}
    const { nodes } = fakeCluster(5, { faultPoint: 'after-decision-log', crash: () => { throw new Crash(); } });
    await expect(nodes[0].coordinator.run(quorumPlan(3))).rejects.toBeInstanceOf(Crash);
    for (const node of nodes) expect(node.participant.prepared.size).toBe(1);

    // The restarted coordinator finds the decision in its log and sends it.
    await completeUnfinishedCommits(nodes[0].store, nodes[0].coordinator, -1);
    for (const node of nodes) expect(node.participant.committed).toHaveLength(1);
    expectNothingHeld(nodes);
  });

  it('lets a participant whose lease ran out learn a commit it missed', async () => {
    const { network, nodes } = fakeCluster(5);
    network.addFault(({ to, route }) => (route === 'tx/commit' && to === 'r5' ? 'drop' : 'pass'));
    await expect(nodes[0].coordinator.run(quorumPlan(3))).resolves.toBe('committed on 4');
    expect(nodes[4].participant.committed).toHaveLength(0);
    nodes[4].participant.expireLeases();
    const tally = await resolveInDoubt(nodes[4].participant, network.transport('r5'));
    expect(tally).toEqual({ committed: 1, aborted: 0, unresolved: 0 });
    expect(nodes[4].participant.committed).toHaveLength(1);
    expectNothingHeld(nodes);
  });

  it('aborts an in-doubt prepare whose coordinator never decided, and records that abort', async () => {
    const { network, nodes } = fakeCluster(3);
    const txId = '00000000-0000-4000-8000-000000000001';
    await nodes[1].participant.prepare(txId, 'r1', { names: ['x'] });
    nodes[1].participant.expireLeases();
    expect(await resolveInDoubt(nodes[1].participant, network.transport('r2'))).toEqual({ committed: 0, aborted: 1, unresolved: 0 });
    expect(nodes[0].store.records.get(txId)?.decision).toBe('abort');
    expectNothingHeld(nodes);
  });

  it('keeps a prepare in doubt (and its name locked) while its coordinator cannot be asked', async () => {
    const { network, nodes } = fakeCluster(3);
    const txId = '00000000-0000-4000-8000-000000000002';
    await nodes[1].participant.prepare(txId, 'r1', { names: ['x'] });
    nodes[1].participant.expireLeases();
    network.setDown('r1');
    expect(await resolveInDoubt(nodes[1].participant, network.transport('r2'))).toEqual({ committed: 0, aborted: 0, unresolved: 1 });
    expect(nodes[1].participant.locks.get('x')?.txId).toBe(txId);
    network.setDown('r1', false);
    expect(await resolveInDoubt(nodes[1].participant, network.transport('r2'))).toEqual({ committed: 0, aborted: 1, unresolved: 0 });
    expectNothingHeld(nodes);
  });

  it('gives up with WRITE_CONFLICT while another write holds the locks, leaving only that write\'s locks', async () => {
    const { network, nodes } = fakeCluster(5);
    const other = '00000000-0000-4000-8000-000000000003';
    for (const node of nodes.slice(0, 3)) await node.participant.prepare(other, 'r5', { names: ['db-password'] });
    expect(await codeOf(nodes[3].coordinator.run(quorumPlan(3)))).toBe('WRITE_CONFLICT');
    expectNothingHeld(nodes, other);
    expect(network.log.filter((m) => m.route === 'tx/prepare' && m.from === 'r4').length).toBeGreaterThan(5);
  });

  it('waits out a short lock and then commits', async () => {
    const { nodes } = fakeCluster(5, { lockWaitMs: 2000 });
    const other = '00000000-0000-4000-8000-000000000004';
    for (const node of nodes.slice(0, 3)) await node.participant.prepare(other, 'r5', { names: ['db-password'] });
    setTimeout(() => nodes.slice(0, 3).forEach((node) => void node.participant.abort(other)), 60);
    await expect(nodes[3].coordinator.run(quorumPlan(3))).resolves.toBe('committed on 5');
    expectNothingHeld(nodes);
  });

  it('never commits a transaction that a participant already settled as aborted', async () => {
    const { network, nodes } = fakeCluster(3);
    // A participant asks for the outcome while the vote is still going on: "abort" is
    // recorded first, so the coordinator's commit cannot win the race.
    network.addFault(({ to, route, body }) => {
      if (route === 'tx/prepare' && to === 'r3') void answerDecisionQuery(nodes[0].store, (body as { txId: string }).txId);
      return 'pass';
    });
    expect(await codeOf(nodes[0].coordinator.run(quorumPlan(2)))).toBe('VOTING_PHASE_FAILED');
    for (const node of nodes) expect(node.participant.committed).toHaveLength(0);
    expectNothingHeld(nodes);
  });
});
