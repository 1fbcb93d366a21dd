/**
 * Research and calculation: looks up facts and computes with them. Independent
 * read-only lookups run in parallel (one model step asks for all of them).
 */
import { z } from 'zod';
import { defineAgent } from '../../agents/define-agent';
import type { Playbook } from '../../models/local';
import { defineTool, ToolError } from '../../tools/define-tool';
import { CalculatorError, evaluate } from './calculator';
import { FACTS, findFact } from './facts';

export const lookupFact = defineTool({
  name: 'lookup_fact',
  description: `Look up a numeric fact from the reference table. Topics: ${FACTS.map((f) => f.topic).join('; ')}.`,
  input: z.object({ topic: z.string().min(2).max(200).describe('What to look up, e.g. "population of france"') }),
  effect: 'read',
  timeout: '5s',
  async execute({ topic }) {
    const f = findFact(topic);
    if (!f) throw new ToolError(`no fact about "${topic}"`);
    return f;
  },
});

export const calculate = defineTool({
  name: 'calculate',
  description: 'Evaluate an arithmetic expression with + - * / ^, parentheses and percentages, e.g. "17.5% * 2400".',
  input: z.object({ expression: z.string().min(1).max(500).describe('The arithmetic expression') }),
  effect: 'read',
  timeout: '5s',
  async execute({ expression }) {
    try {
      return { expression, value: evaluate(expression) };
    } catch (err) {
      if (err instanceof CalculatorError) throw new ToolError(err.message);
      throw err;
    }
  },
});

const EXPRESSION = /(\d[\d.,]*\s*%?\s*(?:[-+*/^x×]|of)\s*[\d(][\d.,()+\-*/^% ]*)/i;

function parse<T>(content: string): T | undefined {
  try {
    return JSON.parse(content) as T;
  } catch {
    return undefined;
  }
}

/** Local playbook: every fact and the task's own arithmetic in one parallel step, then combine. */
const playbook: Playbook = ({ task, toolResults }) => {
  const text = task.toLowerCase();
  if (toolResults.length === 0) {
    const calls: Array<{ name: string; arguments: Record<string, unknown> }> = FACTS.filter((f) => text.includes(f.topic) || (f.topic.startsWith('population of ') && text.includes('population') && text.includes(f.topic.slice(14)))).map((f) => ({
      name: 'lookup_fact',
      arguments: { topic: f.topic },
    }));
    const expr = EXPRESSION.exec(task)?.[1];
    if (expr) calls.push({ name: 'calculate', arguments: { expression: expr.replace(/\bof\b/i, '*').replace(/[x×]/g, '*').trim() } });
    return calls.length ? { toolCalls: calls } : { answer: 'I have no facts or arithmetic to work with in that question.' };
  }
  const facts = toolResults.filter((r) => r.name === 'lookup_fact' && !r.isError).map((r) => parse<{ topic: string; value: number; unit: string; source: string }>(r.content)!);
  const sums = toolResults.filter((r) => r.name === 'calculate' && !r.isError).map((r) => parse<{ expression: string; value: number }>(r.content)!);
  const wantsTotal = /\b(combined|total|sum|together)\b/.test(text);
  const totalDone = sums.some((s) => facts.length > 1 && s.expression === facts.map((f) => f.value).join(' + '));
  if (wantsTotal && facts.length > 1 && !totalDone) {
    return { toolCalls: [{ name: 'calculate', arguments: { expression: facts.map((f) => f.value).join(' + ') } }] };
  }
  const lines = [
    ...facts.map((f) => `${f.topic}: ${f.value.toLocaleString('en-US')} ${f.unit} (${f.source})`),
    ...sums.map((s) => `${s.expression} = ${s.value.toLocaleString('en-US', { maximumFractionDigits: 6 })}`),
    ...toolResults.filter((r) => r.isError).map((r) => `could not use ${r.name}: ${r.content}`),
  ];
  return { answer: lines.join('\n') };
};

export const researchAgent = defineAgent({
  name: 'research',
  description: 'Research and calculation: looks up facts in parallel and computes with them.',
  instructions: 'You answer quantitative questions. Look facts up with lookup_fact (call it for every fact you need, in one step) and do all arithmetic with calculate. Cite the source of each fact.',
  tools: [lookupFact, calculate],
  model: 'local:research',
  maxSteps: 6,
  localPlaybook: playbook,
});
