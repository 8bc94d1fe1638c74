import { AbortGuardParticipant } from './abort-guard';
import { FakeParticipant } from './testing/fake-participant';

describe('AbortGuardParticipant', () => {
  it('refuses a prepare whose abort overtook it, and takes no lock for it', async () => {
    const inner = new FakeParticipant('r1');
    const participant = new AbortGuardParticipant(inner);
    const txId = '00000000-0000-4000-8000-000000000003';
    await participant.abort(txId);
    expect(await participant.prepare(txId, 'r2', { names: ['a'] })).toMatchObject({ yes: false, reason: 'aborted' });
    expect(inner.locks.size).toBe(0);
  });

  it('passes other prepares through', async () => {
    const inner = new FakeParticipant('r1');
    const participant = new AbortGuardParticipant(inner);
    expect((await participant.prepare('00000000-0000-4000-8000-000000000004', 'r2', { names: ['a'] })).yes).toBe(true);
    expect(inner.locks.size).toBe(1);
  });
});
