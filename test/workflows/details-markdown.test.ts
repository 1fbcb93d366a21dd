/** The markdown pieces of a run's Web UI page: code that holds backticks stays code. */
import { clipped, code, prose, usd } from '../../src/workflows/details-markdown';

test('inline code is delimited by more backticks than it holds', () => {
  expect(code('npx durable-agents approve run-1 call_1_0')).toBe('`npx durable-agents approve run-1 call_1_0`');
  expect(code('run `rm` first')).toBe('``run `rm` first``');
  expect(code('```')).toBe('```` ``` ````');
});

test('a value is one line, cut to its limit', () => {
  expect(clipped({ note: 'two\nlines' })).toBe('`{"note":"two\\nlines"}`');
  expect(clipped('x'.repeat(300), 10)).toBe(`\`${'x'.repeat(9)}…\``);
});

test('free text renders as written: no emphasis, links, html or inline math from what a model or a person wrote', () => {
  expect(prose('refund of $249.00 is above $100')).toBe('refund of &#36;249.00 is above &#36;100');
  expect(prose('*bold* _it_ [x](http://e.vil) <img src=x> `c` a|b ~s~ # h & co')).toBe('\\*bold\\* \\_it\\_ \\[x\\](http://e.vil) \\<img src=x\\> \\`c\\` a\\|b \\~s\\~ \\# h &amp; co');
  expect(usd(0.5)).toBe('`$0.500000`');
});
