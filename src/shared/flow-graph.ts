/**
 * The graph a flow spec describes: edges from `next`, `needs` and `onTimeout`, nodes
 * owned by another (parallel branches, fallbacks), a stable order, ancestors and cycles.
 * Pure: the validator and the `flowRun` workflow both use it.
 */
import type { FlowCondition, FlowNext, FlowSpec } from './flow-types';

/** An edge `from` → `to`; `timeout` edges are taken only when an escalation times out. */
export interface FlowEdge {
  from: string;
  to: string;
  kind: 'next' | 'needs' | 'timeout';
  when?: FlowCondition | 'otherwise';
}

/** Why a node is owned by another: it runs only as part of it. */
export type Ownership = { owner: string; as: 'branch' | 'fallback' };

export interface FlowGraph {
  /** Node ids in spec order. */
  ids: string[];
  edges: FlowEdge[];
  incoming: Map<string, FlowEdge[]>;
  outgoing: Map<string, FlowEdge[]>;
  /** Parallel branches and fallback nodes, with the node(s) they belong to (validation allows one). */
  owners: Map<string, Ownership[]>;
}

/** The entries of a node's `next`, as edge objects. */
export function nextEntries(next: string | FlowNext[] | undefined): Array<{ to: string; when?: FlowCondition | 'otherwise' }> {
  if (next === undefined) return [];
  return (typeof next === 'string' ? [next] : next).map((n) => (typeof n === 'string' ? { to: n } : n));
}

export function flowGraph(spec: FlowSpec): FlowGraph {
  const ids = Object.keys(spec.nodes);
  const edges: FlowEdge[] = [];
  const owners = new Map<string, Ownership[]>();
  const own = (member: string, o: Ownership): void => {
    owners.set(member, [...(owners.get(member) ?? []), o]);
  };
  for (const id of ids) {
    const node = spec.nodes[id]!;
    for (const e of nextEntries(node.next)) edges.push({ from: id, to: e.to, kind: 'next', ...(e.when ? { when: e.when } : {}) });
    for (const from of node.needs ?? []) edges.push({ from, to: id, kind: 'needs' });
    if (node.type === 'escalation' && node.onTimeout) edges.push({ from: id, to: node.onTimeout, kind: 'timeout' });
    if (node.type === 'parallel') for (const b of node.branches) own(b, { owner: id, as: 'branch' });
    if (node.onFailure && typeof node.onFailure === 'object') own(node.onFailure.fallback, { owner: id, as: 'fallback' });
  }
  const incoming = new Map<string, FlowEdge[]>(ids.map((id) => [id, []]));
  const outgoing = new Map<string, FlowEdge[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    incoming.get(e.to)?.push(e);
    outgoing.get(e.from)?.push(e);
  }
  return { ids, edges, incoming, outgoing, owners };
}

/** Nodes the scheduler starts itself: everything not owned by another node. */
export function topLevel(g: FlowGraph): string[] {
  return g.ids.filter((id) => !g.owners.has(id));
}

/** Successors for ordering and cycle checks: edge targets, owned nodes. */
function successors(g: FlowGraph, id: string): string[] {
  const out = (g.outgoing.get(id) ?? []).map((e) => e.to);
  for (const [member, os] of g.owners) if (os.some((o) => o.owner === id)) out.push(member);
  return out;
}

/** A cycle as a path `[a, b, …, a]`, or undefined. Nodes are visited in spec order. */
export function findCycle(g: FlowGraph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const next of successors(g, id)) {
      if (!g.incoming.has(next)) continue; // unknown ids are reported elsewhere
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of g.ids) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The nodes that are settled before `id` can start: upstream along edges, and for an
 * owned node (which has no edges of its own) what its owner sees. Call only on a spec
 * without cycles.
 */
export function ancestorsOf(g: FlowGraph, id: string): Set<string> {
  const owner = g.owners.get(id)?.[0]?.owner;
  const out = owner ? ancestorsOf(g, owner) : new Set<string>();
  const queue = [id];
  while (queue.length) {
    for (const e of g.incoming.get(queue.pop()!) ?? []) {
      if (g.incoming.has(e.from) && !out.has(e.from)) {
        out.add(e.from);
        queue.push(e.from);
      }
    }
  }
  return out;
}
