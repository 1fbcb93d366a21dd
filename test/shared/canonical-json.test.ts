import { canonicalJson } from '../../src/shared/canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } };
    const b = { a: { c: 'x', d: [3, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('writes what JSON.stringify would for everything else', () => {
    expect(canonicalJson({ gone: undefined, fn: () => 1, kept: null })).toBe('{"kept":null}');
    expect(canonicalJson({ when: new Date(Date.UTC(2025, 0, 2)) })).toBe('{"when":"2025-01-02T00:00:00.000Z"}');
    expect(canonicalJson({ zero: -0, inf: Infinity, nan: NaN })).toBe('{"inf":null,"nan":null,"zero":0}');
    expect(canonicalJson('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('orders keys by UTF-16 code units, not locale; integer-like keys first, ascending', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4 })).toBe('{"B":2,"a":4,"b":1,"é":3}');
    expect(canonicalJson({ x: 0, 10: 'ten', 9: 'nine' })).toBe('{"9":"nine","10":"ten","x":0}');
    expect(canonicalJson(JSON.parse('{"x":0,"9":"nine","10":"ten"}'))).toBe(canonicalJson({ 10: 'ten', x: 0, 9: 'nine' }));
  });
});
