import { ForbiddenError } from '../../common/errors';
import { Policy, ruleProblems } from './policy';

describe('Policy', () => {
  const policy = new Policy([
    { effect: 'allow', capabilities: ['read', 'list', 'write'], names: ['app1.*', 'DB_*', 'exact.name'] },
    { effect: 'deny', capabilities: ['write'], names: ['app1.locked*'] },
    { effect: 'allow', capabilities: ['env'], names: ['ignored.for.env'] },
  ]);

  it('allows what an allow rule covers by exact name or pattern', () => {
    expect(policy.allows({ capability: 'read', name: 'app1.db' })).toBe(true);
    expect(policy.allows({ capability: 'read', name: 'app1.' })).toBe(true);
    expect(policy.allows({ capability: 'list', name: 'DB_PASSWORD' })).toBe(true);
    expect(policy.allows({ capability: 'write', name: 'exact.name' })).toBe(true);
  });

  it('denies what no allow rule covers: other names, other capabilities, near misses', () => {
    expect(policy.allows({ capability: 'read', name: 'app2.db' })).toBe(false);
    expect(policy.allows({ capability: 'delete', name: 'app1.db' })).toBe(false);
    expect(policy.allows({ capability: 'read', name: 'exact.names' })).toBe(false);
    expect(policy.allows({ capability: 'read', name: 'xapp1.db' })).toBe(false);
    expect(policy.allows({ capability: 'read', name: 'DB' })).toBe(false);
    expect(policy.allows({ capability: 'admin' })).toBe(false);
  });

  it('treats the dot and other characters literally; * matches any run, dots included', () => {
    const p = new Policy([{ effect: 'allow', capabilities: ['read'], names: ['a.b', 'x*y*z'] }]);
    expect(p.allows({ capability: 'read', name: 'aXb' })).toBe(false);
    expect(p.allows({ capability: 'read', name: 'xyz' })).toBe(true);
    expect(p.allows({ capability: 'read', name: 'x.1.y-2.z' })).toBe(true);
    expect(p.allows({ capability: 'read', name: 'x.1.y-2.zz' })).toBe(true);
    expect(p.allows({ capability: 'read', name: 'x.1.y-2.z.' })).toBe(false);
  });

  it('lets a deny rule win over an allow rule, whatever their order', () => {
    expect(policy.allows({ capability: 'write', name: 'app1.locked.key' })).toBe(false);
    expect(policy.allows({ capability: 'read', name: 'app1.locked.key' })).toBe(true);
    const denyFirst = new Policy([
      { effect: 'deny', capabilities: ['read'], names: ['*'] },
      { effect: 'allow', capabilities: ['read'], names: ['a'] },
    ]);
    expect(denyFirst.allows({ capability: 'read', name: 'a' })).toBe(false);
  });

  it('grants env and admin whatever the rule\'s names, and never implies one capability from another', () => {
    expect(policy.allows({ capability: 'env' })).toBe(true);
    const admin = new Policy([{ effect: 'allow', capabilities: ['admin'], names: ['*'] }]);
    expect(admin.allows({ capability: 'admin' })).toBe(true);
    expect(admin.allows({ capability: 'read', name: 'anything' })).toBe(false);
    expect(new Policy([]).allows({ capability: 'read', name: 'a' })).toBe(false);
  });

  it('refuses with 403 naming the first need lacking and listing them all, once each', () => {
    let error: unknown;
    try {
      policy.require([
        { capability: 'read', name: 'app1.ok' },
        { capability: 'read', name: 'app2.x' },
        { capability: 'write', name: 'app1.locked' },
        { capability: 'read', name: 'app2.x' },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).extra).toEqual({
      capability: 'read',
      name: 'app2.x',
      details: [
        { capability: 'read', name: 'app2.x', message: "lacks read on 'app2.x'" },
        { capability: 'write', name: 'app1.locked', message: "lacks write on 'app1.locked'" },
      ],
    });
    expect(() => policy.require([{ capability: 'read', name: 'app1.ok' }])).not.toThrow();
  });

  it('gives the bootstrap policy every capability on every name', () => {
    const all = Policy.allowAll();
    for (const capability of ['read', 'list', 'write', 'delete'] as const) expect(all.allows({ capability, name: 'anything.at-all' })).toBe(true);
    expect(all.allows({ capability: 'admin' })).toBe(true);
  });

  it('reports rule lists that are too long or hold invalid patterns', () => {
    expect(ruleProblems([{ effect: 'allow', capabilities: ['read'], names: ['ok.*', 'bad name', ''] }])).toEqual([
      { field: 'rules.0.names.1', message: expect.any(String) },
      { field: 'rules.0.names.2', message: expect.any(String) },
    ]);
    const many = Array.from({ length: 33 }, () => ({ effect: 'allow' as const, capabilities: ['read' as const], names: Array.from({ length: 8 }, (_, i) => `n${i}`) }));
    expect(ruleProblems(many).map((p) => p.field)).toEqual(['rules', 'rules']);
  });
});
