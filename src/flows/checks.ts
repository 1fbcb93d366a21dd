/**
 * Checks across nodes of a structurally valid spec: every reference names a node, owned
 * nodes (parallel branches, fallbacks) stand apart, no cycles, and templates and
 * conditions read only nodes that are settled before they are used. Each problem is one
 * text starting with the node it is about.
 */
import { conditionNodes, parseRef, placeholders } from '../shared/flow-expr';
import { ancestorsOf, findCycle, flowGraph, nextEntries, topLevel, type FlowGraph } from '../shared/flow-graph';
import type { FlowCondition, FlowNode, FlowSpec } from '../shared/flow-types';

type Problems = string[];

/** Every node id a node names, with what the reference is, for "unknown …" messages. */
function references(node: FlowNode): Array<{ what: string; id: string }> {
  const refs = [
    ...nextEntries(node.next).map((e) => ({ what: 'next node', id: e.to })),
    ...(node.needs ?? []).map((id) => ({ what: 'node in needs', id })),
  ];
  if (node.onFailure && typeof node.onFailure === 'object') refs.push({ what: 'fallback node', id: node.onFailure.fallback });
  if (node.type === 'escalation' && node.onTimeout) refs.push({ what: 'onTimeout node', id: node.onTimeout });
  if (node.type === 'parallel') refs.push(...node.branches.map((id) => ({ what: 'branch node', id })));
  if (node.type === 'map') refs.push({ what: 'node in over', id: node.over.node });
  return refs;
}

function checkReferences(spec: FlowSpec, problems: Problems): void {
  for (const [id, node] of Object.entries(spec.nodes)) {
    for (const r of references(node)) if (!spec.nodes[r.id]) problems.push(`node "${id}": unknown ${r.what} "${r.id}"`);
  }
}

function checkEdges(spec: FlowSpec, g: FlowGraph, problems: Problems): void {
  const seen = new Set<string>();
  for (const e of g.edges) {
    if (e.kind === 'timeout') continue; // the same target on answer and on timeout is fine
    const key = `${e.from}→${e.to}`;
    if (seen.has(key)) problems.push(`node "${e.to}": the edge from "${e.from}" is given twice (in next and in needs, or twice in one list)`);
    seen.add(key);
  }
  for (const [id, node] of Object.entries(spec.nodes)) {
    const entries = nextEntries(node.next);
    const otherwise = entries.filter((e) => e.when === 'otherwise').length;
    if (otherwise > 1) problems.push(`node "${id}": more than one "otherwise" edge`);
    if (otherwise === 1 && !entries.some((e) => typeof e.when === 'object')) problems.push(`node "${id}": an "otherwise" edge needs a conditional edge beside it`);
  }
}

function checkOwnership(spec: FlowSpec, g: FlowGraph, problems: Problems): void {
  for (const [member, owners] of g.owners) {
    const node = spec.nodes[member]!;
    const branchOf = owners.filter((o) => o.as === 'branch').map((o) => o.owner);
    const fallbackOf = owners.filter((o) => o.as === 'fallback').map((o) => o.owner);
    const role = branchOf.length ? `a branch of "${branchOf[0]}"` : `the fallback of "${fallbackOf[0]}"`;
    if (branchOf.length > 1) problems.push(`node "${member}": is a branch of more than one parallel node (${branchOf.join(', ')})`);
    if (branchOf.length && fallbackOf.length) problems.push(`node "${member}": cannot be both a parallel branch and a fallback`);
    // One owner each: a fallback's child runs are keyed by its own id (and item or round).
    if (fallbackOf.length > 1) problems.push(`node "${member}": is the fallback of more than one node (${fallbackOf.join(', ')}); give each its own`);
    if (fallbackOf.length && node.type !== 'agent') problems.push(`node "${member}": is the fallback of "${fallbackOf[0]}", so it must be an agent node`);
    if ((g.incoming.get(member) ?? []).length || (g.outgoing.get(member) ?? []).length) {
      problems.push(`node "${member}": is ${role}, so it runs only as part of it and cannot have next/needs edges or be an edge's target`);
    }
  }
}

/** `label` says where the template is, e.g. `node "review": input`. */
function checkTemplate(label: string, template: string, visible: Set<string>, spec: FlowSpec, allow: { item?: boolean; loop?: boolean }, problems: Problems): void {
  for (const alternatives of placeholders(template)) {
    for (const expr of alternatives) {
      const ref = parseRef(expr);
      if ('error' in ref) problems.push(`${label}: ${ref.error}`);
      else if ((ref.root === 'item' || ref.root === 'index') && !allow.item) problems.push(`${label}: {{${expr}}} is only available in map nodes`);
      else if (ref.root === 'loop' && !allow.loop) problems.push(`${label}: {{${expr}}} is only available in loop nodes`);
      else if (ref.root === 'nodes' && !spec.nodes[ref.node]) problems.push(`${label} refers to unknown node "${ref.node}"`);
      else if (ref.root === 'nodes' && !visible.has(ref.node)) problems.push(`${label} refers to node "${ref.node}", which does not run before it`);
    }
  }
}

function checkCondition(id: string, field: string, c: FlowCondition, visible: Set<string>, selfAllowed: boolean, spec: FlowSpec, problems: Problems): void {
  for (const node of conditionNodes(c)) {
    if (node === undefined || node === id) {
      if (!selfAllowed) problems.push(`node "${id}": ${field}: a condition here must name an earlier node ("node": "<id>")`);
    } else if (!spec.nodes[node]) problems.push(`node "${id}": ${field} refers to unknown node "${node}"`);
    else if (!visible.has(node)) problems.push(`node "${id}": ${field} refers to node "${node}", which does not run before it`);
  }
}

/** Templates, conditions and `over` read only nodes settled before this one starts. */
function checkDataFlow(spec: FlowSpec, g: FlowGraph, problems: Problems): void {
  for (const [id, node] of Object.entries(spec.nodes)) {
    const visible = ancestorsOf(g, id);
    if (node.when) checkCondition(id, 'when', node.when, visible, false, spec, problems);
    nextEntries(node.next).forEach((e, i) => {
      if (typeof e.when === 'object') checkCondition(id, `next[${i}].when`, e.when, visible, true, spec, problems);
    });
    if (node.type === 'agent' || node.type === 'map' || node.type === 'loop') {
      // A fallback runs in the place of an item or round, so it sees what they see.
      const stands = [node.type, ...(g.owners.get(id) ?? []).map((o) => spec.nodes[o.owner]!.type)];
      const allow = { item: stands.includes('map'), loop: stands.includes('loop') };
      if (node.input) checkTemplate(`node "${id}": input`, node.input, visible, spec, allow, problems);
      if (node.type === 'loop' && node.nextInput) checkTemplate(`node "${id}": nextInput`, node.nextInput, visible, spec, allow, problems);
    }
    if (node.type === 'loop') checkCondition(id, 'until', node.until, visible, true, spec, problems);
    if (node.type === 'map' && !visible.has(node.over.node)) problems.push(`node "${id}": over refers to node "${node.over.node}", which does not run before it`);
    if (node.type === 'escalation') checkTemplate(`node "${id}": prompt`, node.prompt, visible, spec, {}, problems);
  }
  if (spec.output) checkTemplate('output', spec.output, new Set(g.ids), spec, {}, problems);
}

function checkAgents(spec: FlowSpec, agents: string[], problems: Problems): void {
  const known = new Set(agents);
  for (const [id, node] of Object.entries(spec.nodes)) {
    if ('agent' in node && !known.has(node.agent)) problems.push(`node "${id}": unknown agent "${node.agent}" (known: ${agents.join(', ') || 'none'})`);
  }
}

/** Problems across nodes; empty when the spec is sound. `agents`, when given, are the agents that exist. */
export function checkFlow(spec: FlowSpec, agents?: string[]): Problems {
  const problems: Problems = [];
  checkReferences(spec, problems);
  if (problems.length) return problems; // the graph is not well-formed enough for the rest
  const g = flowGraph(spec);
  checkEdges(spec, g, problems);
  checkOwnership(spec, g, problems);
  const cycle = findCycle(g);
  if (cycle) {
    problems.push(`node "${cycle[0]}": cycle ${cycle.join(' → ')}`);
    return problems;
  }
  if (!topLevel(g).some((id) => (g.incoming.get(id) ?? []).length === 0)) problems.push('no node can start: every node waits for another');
  checkDataFlow(spec, g, problems);
  if (agents) checkAgents(spec, agents, problems);
  return problems;
}
