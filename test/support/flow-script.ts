/**
 * A scripted model for flow tests: each agent run's script is chosen by the start of its
 * task (the node's rendered input), and its turn by how many assistant turns came before.
 * A script may depend on the attempt, i.e. how many runs with that task started so far.
 */
import { ScriptedProvider, type ScriptedTurn } from '../../src/models/scripted';
import type { ModelRequest } from '../../src/models/types';

export type FlowScript = ScriptedTurn[] | ((attempt: number) => ScriptedTurn[]);

export function taskOf(req: ModelRequest): string {
  return req.messages.find((m) => m.role === 'user')?.content ?? '';
}

const turnsSoFar = (req: ModelRequest) => req.messages.filter((m) => m.role === 'assistant').length;

export function flowScriptedModel(): { model: ScriptedProvider; scripts: Map<string, FlowScript> } {
  const scripts = new Map<string, FlowScript>();
  const model: ScriptedProvider = new ScriptedProvider((req) => {
    const task = taskOf(req);
    const prefix = [...scripts.keys()].filter((k) => task.startsWith(k)).sort((a, b) => b.length - a.length)[0];
    const script = prefix === undefined ? undefined : scripts.get(prefix);
    if (!script) return undefined;
    const attempt = model.requests.filter((r) => taskOf(r) === task && turnsSoFar(r) === 0).length;
    return (typeof script === 'function' ? script(attempt) : script)[turnsSoFar(req)];
  });
  return { model, scripts };
}
