/**
 * Flow spec validation, a pure module: the example specs pass; cycles, unknown
 * references, bad fields and misplaced data are refused with a message naming the node.
 */
import { exampleAgents } from '../../src/examples';
import { InvalidFlowError, loadFlowSpec, validateFlowSpec } from '../../src/flows';

const AGENTS = ['a', 'b'];

function problems(spec: unknown, agents: string[] = AGENTS): string {
  try {
    validateFlowSpec(spec, { agents });
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidFlowError);
    return (err as Error).message;
  }
  throw new Error('the spec was accepted');
}

const flow = (nodes: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: 'triage', nodes, ...extra });

test('the example flows are valid against the example agents', () => {
  const agents = exampleAgents.map((a) => a.name);
  expect(Object.keys(loadFlowSpec('triage', { agents }).nodes)).toEqual(['route', 'knowledge', 'refund', 'escalate', 'review', 'holding']);
  expect(loadFlowSpec('content', { agents }).nodes.write).toMatchObject({ type: 'map', over: { node: 'plan', path: 'output.sections' } });
});

test('a node without a type is an agent node, and a valid spec comes back as given', () => {
  const spec = flow({ route: { agent: 'a', next: [{ to: 'answer', when: { path: 'output.category', equals: 'refund' } }] }, answer: { agent: 'b', input: '{{nodes.route.answer}}' } });
  expect(validateFlowSpec(spec, { agents: AGENTS }).nodes).toEqual({
    route: { type: 'agent', agent: 'a', next: [{ to: 'answer', when: { path: 'output.category', equals: 'refund' } }] },
    answer: { type: 'agent', agent: 'b', input: '{{nodes.route.answer}}' },
  });
});

test('unknown references name the node and the reference', () => {
  expect(problems(flow({ route: { agent: 'a', next: [{ to: 'knowldge', when: 'otherwise' }] }, knowledge: { agent: 'b' } }))).toBe(
    'flow "triage": node "route": unknown next node "knowldge"',
  );
  expect(problems(flow({ x: { agent: 'a', needs: ['nope'] } }))).toBe('flow "triage": node "x": unknown node in needs "nope"');
  expect(problems(flow({ x: { agent: 'a', onFailure: { fallback: 'nope' } } }))).toBe('flow "triage": node "x": unknown fallback node "nope"');
  expect(problems(flow({ x: { type: 'parallel', branches: ['a1', 'nope'] }, a1: { agent: 'a' } }))).toBe('flow "triage": node "x": unknown branch node "nope"');
  expect(problems(flow({ x: { agent: 'nobody' } }))).toBe('flow "triage": node "x": unknown agent "nobody" (known: a, b)');
});

test('cycles are refused, naming a node on the cycle and the cycle', () => {
  expect(problems(flow({ a1: { agent: 'a', next: 'b1' }, b1: { agent: 'a', next: 'c1' }, c1: { agent: 'a', next: 'b1' } }))).toMatch(
    /^flow "triage": node "b1": cycle b1 → c1 → b1/,
  );
  expect(problems(flow({ a1: { agent: 'a', onFailure: { fallback: 'a1' } } }))).toMatch(/node "a1": .*cycle a1 → a1/);
});

test('bad fields are refused with the field named', () => {
  expect(problems(flow({ route: { agnet: 'a' } }))).toBe('flow "triage": node "route": agent: is required; node "route": unknown field "agnet"');
  expect(problems(flow({ route: { agent: 'a', timeout: 'soon', retry: { maximumAttempts: 0 } } }))).toBe(
    'flow "triage": node "route": timeout: must be a duration like 30s, 15m, 1h or 1d; node "route": retry.maximumAttempts: Too small: expected number to be >=1',
  );
  expect(problems(flow({ route: { agent: 'a', onFailure: 'retry' } }))).toBe('flow "triage": node "route": onFailure: must be "fail", "skip" or { "fallback": "<node>" }');
  expect(problems(flow({ route: { type: 'wait' } }))).toBe('flow "triage": node "route": unknown type "wait" (one of agent, map, loop, parallel, escalation)');
  expect(problems(flow({ Route: { agent: 'a' } }))).toMatch(/node "Route": id must be lower-case/);
  expect(problems(flow({ route: { agent: 'a', next: [{ to: 'b1', when: { path: 'output.x', equals: 1, lt: 2 } }] }, b1: { agent: 'a' } }))).toBe(
    'flow "triage": node "route": next.0.when: a comparison needs exactly one of equals, notEquals, in, lt, lte, gt, gte, exists, contains',
  );
  expect(problems({ name: 'Bad Name', nodes: {}, extra: 1 })).toBe('flow "Bad Name": name: must be lower-case letters, digits and dashes; nodes: a flow needs at least one node; unknown field "extra"');
  expect(problems(flow({ e: { type: 'escalation', prompt: 'p' } }))).toBe('flow "triage": node "e": timeout: is required');
});

test('templates and conditions may only read nodes that run before them', () => {
  expect(problems(flow({ a1: { agent: 'a', input: '{{nodes.b1.answer}}' }, b1: { agent: 'a' } }))).toBe('flow "triage": node "a1": input refers to node "b1", which does not run before it');
  expect(problems(flow({ a1: { agent: 'a', input: '{{nodes.zz.answer}}' } }))).toBe('flow "triage": node "a1": input refers to unknown node "zz"');
  expect(problems(flow({ a1: { agent: 'a', input: '{{item.title}} {{inptu}}' } }))).toBe(
    'flow "triage": node "a1": input: {{item.title}} is only available in map nodes; node "a1": input: unknown placeholder "{{inptu}}" (use input, nodes.<id>…, item, index or loop…)',
  );
  expect(problems(flow({ a1: { agent: 'a', when: { path: 'answer', exists: true } } }))).toBe('flow "triage": node "a1": when: a condition here must name an earlier node ("node": "<id>")');
  expect(problems(flow({ a1: { agent: 'a', next: 'b1' }, b1: { agent: 'a', next: [{ to: 'c1', when: { node: 'c1', path: 'answer', exists: true } }] }, c1: { agent: 'a' } }))).toBe(
    'flow "triage": node "b1": next[0].when refers to node "c1", which does not run before it',
  );
});

test('owned nodes stand apart: branches and fallbacks have no edges, a fallback is an agent node used once', () => {
  expect(problems(flow({ g: { type: 'parallel', branches: ['a1', 'b1'] }, a1: { agent: 'a', next: 'b1' }, b1: { agent: 'a' } }))).toMatch(/node "a1": is a branch of "g", so it runs only as part of it/);
  expect(problems(flow({ a1: { agent: 'a', onFailure: { fallback: 'f' } }, b1: { agent: 'a', onFailure: { fallback: 'f' } }, f: { agent: 'b' } }))).toMatch(/node "f": is the fallback of more than one node \(a1, b1\)/);
  expect(problems(flow({ a1: { agent: 'a', onFailure: { fallback: 'f' } }, f: { type: 'escalation', prompt: 'p', timeout: '1h' } }))).toMatch(/node "f": is the fallback of "a1", so it must be an agent node/);
  expect(problems(flow({ a1: { agent: 'a', next: [{ to: 'b1', when: 'otherwise' }] }, b1: { agent: 'a' } }))).toBe('flow "triage": node "a1": an "otherwise" edge needs a conditional edge beside it');
});

test('a fallback of a map node may use {{item}}; fallbacks of plain nodes may not', () => {
  const map = { agent: 'a', type: 'map', over: { node: 'src', path: 'output' }, input: '{{item}}', onFailure: { fallback: 'f' } };
  expect(() => validateFlowSpec(flow({ src: { agent: 'a', next: 'm' }, m: map, f: { agent: 'b', input: 'again {{item}} #{{index}}' } }))).not.toThrow();
  expect(problems(flow({ src: { agent: 'a', onFailure: { fallback: 'f' } }, f: { agent: 'b', input: '{{item}}' } }))).toMatch(/node "f": input: \{\{item\}\} is only available in map nodes/);
});
