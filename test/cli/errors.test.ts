/** describeError: whatever was thrown, one line that says something, and the exit code. */
import { describeError, UsageError } from '../../src/cli/errors';

test.each([
  ['nothing (undefined)', undefined],
  ['null', null],
  ['an object without a message', { code: 'EWHAT' }],
  ['an Error without a message', new Error('')],
])('%s: a line that says it gave no reason, exit code 1', (_what, thrown) => {
  expect(describeError(thrown)).toEqual({ message: 'failed without saying why (the error had no message); DEBUG=1 shows what is known', exitCode: 1 });
});

test("a library's multi-line message or a thrown string: its first line", () => {
  expect(describeError(new Error('\nconnect failed\n    at somewhere'))).toEqual({ message: 'connect failed', exitCode: 1 });
  expect(describeError('plain words')).toEqual({ message: 'plain words', exitCode: 1 });
});

test("the project's own errors keep their message; the user's are exit code 2", () => {
  expect(describeError(new UsageError('expected: durable-agents status <id>'))).toEqual({ message: 'expected: durable-agents status <id>', exitCode: 2 });
});
