/** The markdown pieces of a run's Web UI page: code that holds backticks stays code. */
import { clipped, code } from '../../src/workflows/details-markdown';

test('inline code is delimited by more backticks than it holds', () => {
  expect(code('npx durable-agents approve run-1 call_1_0')).toBe('`npx durable-agents approve run-1 call_1_0`');
  expect(code('run `rm` first')).toBe('``run `rm` first``');
  expect(code('```')).toBe('```` ``` ````');
});

test('a value is one line, cut to its limit', () => {
  expect(clipped({ note: 'two\nlines' })).toBe('`{"note":"two\\nlines"}`');
  expect(clipped('x'.repeat(300), 10)).toBe(`\`${'x'.repeat(9)}…\``);
});
