import { countersFor, parseBudgetConfig, periodsOf } from '../../src/policies/budget';
import { PolicyConfigError } from '../../src/policies/config-parse';

function configError(input: unknown): PolicyConfigError {
  try {
    parseBudgetConfig(input);
  } catch (err) {
    if (err instanceof PolicyConfigError) return err;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseBudgetConfig', () => {
  it('accepts tenant, agent and run limits and defaults tenants to none', () => {
    expect(parseBudgetConfig({})).toEqual({ tenants: {} });
    const config = parseBudgetConfig({
      tenants: { acme: { dailyUsd: 5, monthlyTokens: 1_000_000, agents: { support: { dailyUsd: 1, runCapUsd: 0.2 } } } },
      defaultRunCapUsd: 0.5,
    });
    expect(config.tenants.acme?.agents?.support?.runCapUsd).toBe(0.2);
  });

  it('names the field path of a bad value', () => {
    const err = configError({ tenants: { acme: { agents: { support: { dailyUsd: -1 } } } } });
    expect(err.fields).toEqual(['tenants.acme.agents.support.dailyUsd']);
    expect(err.message).toMatch(/^invalid budget config: tenants\.acme\.agents\.support\.dailyUsd: /);
  });

  it('names an unknown (e.g. misspelt) field rather than its parent', () => {
    const err = configError({ tenants: { acme: { dailyUSD: 5 } } });
    expect(err.fields).toEqual(['tenants.acme.dailyUSD']);
    expect(err.message).toContain('tenants.acme.dailyUSD: unknown field');
  });

  it('rejects fractional token limits', () => {
    expect(configError({ defaultRunCapTokens: 1.5 }).fields).toEqual(['defaultRunCapTokens']);
  });
});

describe('countersFor', () => {
  const config = parseBudgetConfig({
    tenants: { acme: { dailyUsd: 5, runCapUsd: 1, agents: { support: { monthlyUsd: 20, runCapUsd: 0.5 } } } },
    defaultRunCapUsd: 2,
  });
  const at = Date.parse('2025-03-31T23:59:59.999Z');

  it('charges tenant and agent counters per UTC day and month, and the run when a cap applies', () => {
    const specs = countersFor(config, { tenantId: 'acme', agent: 'support', workflowId: 'run-1' }, at);
    expect(specs.map((s) => [s.scope.kind, s.scope.subject, s.scope.period, s.limits])).toEqual([
      ['tenant', '', 'day:2025-03-31', { usd: 5 }],
      ['tenant', '', 'month:2025-03', {}],
      ['agent', 'support', 'day:2025-03-31', {}],
      ['agent', 'support', 'month:2025-03', { usd: 20 }],
      ['run', 'run-1', 'run', { usd: 0.5 }],
    ]);
    expect(periodsOf(at + 1)).toEqual({ day: 'day:2025-04-01', month: 'month:2025-04' });
  });

  it('lets a run tighten its cap but never loosen it, and falls back to the default cap', () => {
    const run = (ctx: Partial<Parameters<typeof countersFor>[1]>) =>
      countersFor(config, { tenantId: 'acme', workflowId: 'w', ...ctx }, at).find((s) => s.scope.kind === 'run')?.limits;
    expect(run({ runCapUsd: 0.1 })).toEqual({ usd: 0.1 });
    expect(run({ runCapUsd: 10 })).toEqual({ usd: 1 });
    expect(run({ tenantId: 'other' })).toEqual({ usd: 2 });
    expect(countersFor(parseBudgetConfig({}), { tenantId: 'x', workflowId: 'w' }, at).map((s) => s.scope.kind)).toEqual(['tenant', 'tenant']);
  });
});
