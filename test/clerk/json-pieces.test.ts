import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonInPieces } from '../../src/clerk/json-pieces.ts';
import { interpretBytes, PIECES_MIN_BYTES } from '../../src/clerk/response.ts';

function plain(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

const spaces = fc.constantFrom('', ' ', '\n', '\r\n  ', '\t');

/** JSON text with whitespace between tokens, as a server may send it. */
function spaced(value: unknown, pad: string): string {
  if (Array.isArray(value)) return `[${pad}${value.map((item) => spaced(item, pad)).join(`${pad},${pad}`)}${pad}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).map(
      ([key, item]) => `${JSON.stringify(key)}${pad}:${pad}${spaced(item, pad)}`,
    );
    return `{${pad}${members.join(`,${pad}`)}${pad}}`;
  }
  return JSON.stringify(value);
}

describe('parseJsonInPieces', () => {
  it('gives what JSON.parse gives for any JSON array or object, with any whitespace', () => {
    const container = fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()));
    fc.assert(
      fc.property(container, spaces, (value, pad) => {
        const text = spaced(value, pad);
        const pieces = parseJsonInPieces(Buffer.from(text, 'utf8'));
        expect(pieces).toEqual(plain(text));
        if (pieces !== undefined) expect(Object.keys(pieces.value as object)).toEqual(Object.keys(JSON.parse(text)));
      }),
      { numRuns: 300 },
    );
  });

  it('never returns a value for text JSON.parse refuses (cut, or one character changed)', () => {
    const text = fc
      .oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()))
      .map((value) => JSON.stringify(value));
    const broken = fc
      .tuple(text, fc.nat(), fc.constantFrom('', ',', '"', '\\', '}', ']', '{', '[', ':', 'x', ' '))
      .map(([source, at, replacement]) => {
        const cut = at % (source.length + 1);
        return replacement === '' ? source.slice(0, cut) : source.slice(0, cut) + replacement + source.slice(cut + 1);
      });
    fc.assert(
      fc.property(broken, (source) => {
        const pieces = parseJsonInPieces(Buffer.from(source, 'utf8'));
        if (plain(source) === undefined) expect(pieces).toBeUndefined();
        else expect(pieces).toEqual(plain(source));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps escaped quotes, backslashes and multi-byte characters inside strings', () => {
    const value = [
      { a: 'say "hi" \\', b: ['}', ']', '{"x":1}'] },
      { 'k"ey': 'é€😀', '\\': '\\"' },
    ];
    expect(parseJsonInPieces(Buffer.from(JSON.stringify(value)))).toEqual({ value });
  });

  it('makes "__proto__" an own property, as JSON.parse does, never the prototype', () => {
    const result = parseJsonInPieces(Buffer.from('{"__proto__":{"polluted":true},"data":[]}'));
    const value = result?.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('leaves anything but an array or object at the top, or a byte order mark, to the caller', () => {
    for (const text of ['"text"', '12', 'null', '', '   ', '\uFEFF[]']) {
      expect(parseJsonInPieces(Buffer.from(text, 'utf8'))).toBeUndefined();
    }
  });
});

describe('interpretBytes', () => {
  const json = { 'content-type': 'application/json' };
  const page = JSON.stringify({
    data: Array.from({ length: 5000 }, (_, i) => ({ id: `orgmem_${i}` })),
    total_count: 5000,
  });

  it('parses a large success body in pieces to the same value', () => {
    expect(page.length).toBeGreaterThan(PIECES_MIN_BYTES);
    expect(interpretBytes({ status: 200, headers: json, bytes: Buffer.from(page) })).toEqual({
      ok: true,
      value: JSON.parse(page),
    });
  });

  it('refuses a large truncated body or a wrong content type as the text path does', () => {
    const cut = Buffer.from(page.slice(0, -1));
    const truncated = interpretBytes({ status: 200, headers: json, bytes: cut });
    expect(truncated).toMatchObject({ ok: false, failure: { kind: 'api_response_invalid' } });
    const html = interpretBytes({ status: 200, headers: { 'content-type': 'text/html' }, bytes: Buffer.from(page) });
    expect(html).toMatchObject({ ok: false, failure: { kind: 'api_response_invalid' } });
  });
});
