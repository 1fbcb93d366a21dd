import { ScriptedProvider, type ScriptedTurn } from '../../src/models/scripted';

/**
 * One scripted model for a whole test file: each run's turns are chosen by its task
 * text (the first user message), and the turn by how many answers the run already has.
 */
export function scriptedByTask(): { model: ScriptedProvider; scripts: Map<string, ScriptedTurn[]> } {
  const scripts = new Map<string, ScriptedTurn[]>();
  const model = new ScriptedProvider((req) => {
    const task = req.messages.find((m) => m.role === 'user')?.content ?? '';
    return scripts.get(task)?.[req.messages.filter((m) => m.role === 'assistant').length];
  });
  return { model, scripts };
}
