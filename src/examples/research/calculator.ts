/**
 * Arithmetic without eval: a recursive-descent parser for + - * / ^, parentheses,
 * unary minus and "N%" (N/100). Anything else is a syntax error naming the position.
 */
export class CalculatorError extends Error {
  override readonly name = 'CalculatorError';
}

export function evaluate(expression: string): number {
  const src = expression.replace(/,(?=\d{3}\b)/g, '');
  let pos = 0;
  const peek = (): string => {
    while (src[pos] === ' ') pos++;
    return src[pos] ?? '';
  };
  const fail = (what: string): never => {
    throw new CalculatorError(`${what} at position ${pos + 1} in "${expression}"`);
  };

  function primary(): number {
    const c = peek();
    if (c === '(') {
      pos++;
      const v = sum();
      if (peek() !== ')') fail('expected ")"');
      pos++;
      return v;
    }
    if (c === '-') {
      pos++;
      return -primary();
    }
    const m = /^\d+(\.\d+)?(e[+-]?\d+)?/i.exec(src.slice(pos));
    if (!m) return fail(c ? `unexpected "${c}"` : 'unexpected end');
    pos += m[0].length;
    let v = Number(m[0]);
    if (peek() === '%') {
      pos++;
      v /= 100;
    }
    return v;
  }
  function power(): number {
    const base = primary();
    if (peek() === '^') {
      pos++;
      return base ** power();
    }
    return base;
  }
  function product(): number {
    let v = power();
    for (let c = peek(); c === '*' || c === '/'; c = peek()) {
      pos++;
      const r = power();
      if (c === '/' && r === 0) fail('division by zero');
      v = c === '*' ? v * r : v / r;
    }
    return v;
  }
  function sum(): number {
    let v = product();
    for (let c = peek(); c === '+' || c === '-'; c = peek()) {
      pos++;
      v = c === '+' ? v + product() : v - product();
    }
    return v;
  }

  const value = sum();
  if (peek() !== '') fail(`unexpected "${peek()}"`);
  if (!Number.isFinite(value)) fail('result is not a finite number');
  return value;
}
