/** The flow expression language: paths, templates with `??`, conditions, JSON in answers. */
import { describeCondition, evaluateCondition, getPath, parseOutput, renderTemplate } from '../../src/shared/flow-expr';
import type { FlowNodeOutput } from '../../src/shared/flow-types';

const route: FlowNodeOutput = { status: 'completed', answer: '[local model] {"category": "refund", "confidence": 0.4, "tags": ["a", "b"]}', output: { category: 'refund', confidence: 0.4, tags: ['a', 'b'] }, costUsd: 0 };
const scope = { input: 'hello', nodes: { route }, item: { title: 'Intro' }, index: 2 };
const results = (n: string) => (n === 'route' ? route : undefined);

test('parseOutput finds JSON inside prose, or nothing', () => {
  expect(parseOutput(route.answer)).toEqual(route.output);
  expect(parseOutput('Plan: ["x", "y"] done')).toEqual(['x', 'y']);
  expect(parseOutput('no json {here')).toBeUndefined();
  expect(parseOutput('42')).toBeUndefined();
});

test('getPath walks objects and lists', () => {
  expect(getPath(route, 'output.tags.1')).toBe('b');
  expect(getPath(route, 'output.tags.length')).toBe(2);
  expect(getPath(route, 'output.missing.deeper')).toBeUndefined();
  expect(getPath(route, 'output.__proto__')).toBeUndefined();
});

test('templates fill placeholders; ?? takes the first non-empty alternative; objects become JSON', () => {
  expect(renderTemplate('{{input}} / {{ nodes.route.output.category }} / {{item.title}} #{{index}}', scope)).toBe('hello / refund / Intro #2');
  expect(renderTemplate('{{nodes.nope.answer ?? nodes.route.output.tags}}', scope)).toBe('["a","b"]');
  expect(renderTemplate('[{{nodes.route.output.none}}]', scope)).toBe('[]');
});

test('conditions compare without eval', () => {
  const holds = (c: Parameters<typeof evaluateCondition>[0]) => evaluateCondition(c, results, 'route');
  expect(holds({ path: 'output.category', equals: 'refund' })).toBe(true);
  expect(holds({ node: 'route', path: 'output.confidence', lt: 0.6 })).toBe(true);
  expect(holds({ path: 'output.confidence', gte: 0.6 })).toBe(false);
  expect(holds({ path: 'output.tags', contains: 'b' })).toBe(true);
  expect(holds({ path: 'output.category', in: ['question', 'refund'] })).toBe(true);
  expect(holds({ path: 'output.missing', exists: false })).toBe(true);
  expect(holds({ all: [{ path: 'status', equals: 'completed' }, { not: { path: 'output.category', equals: 'question' } }] })).toBe(true);
  expect(holds({ any: [{ path: 'output.category', notEquals: 'refund' }, { path: 'output.tags', equals: ['a', 'b'] }] })).toBe(true);
  expect(describeCondition({ all: [{ path: 'output.confidence', lt: 0.6 }, { node: 'x', path: 'answer', exists: true }] }, 'route')).toBe('route.output.confidence < 0.6 and x.answer exists: true');
});
