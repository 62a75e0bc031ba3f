import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonInPieces } from '../../src/clerk/json-pieces.ts';
import type { RowMapping } from '../../src/clerk/request.ts';
import { interpretBytes, mapRows, PIECES_MIN_BYTES } from '../../src/clerk/response.ts';

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

  it('gives what JSON.parse gives for lists of Clerk-like rows, whose nested objects may begin like the rows do', () => {
    // Rows beginning `{"id":"user_`, as Clerk's do: each is ended by a search for `},{"id":"user_`, which also finds
    // the ends of nested objects that begin the same way, and strings holding the same characters.
    const nested = fc.array(fc.record({ id: fc.constantFrom('user_x', 'idn_y', '},{\\"id\\":\\"user_z') }), {
      maxLength: 3,
    });
    const row = fc.record({
      id: fc.string({ maxLength: 4 }).map((id) => `user_${id}`),
      email_addresses: nested,
      public_metadata: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.jsonValue(), nested)),
    });
    const body = fc.oneof(
      fc.array(row, { maxLength: 6 }),
      fc.record({ data: fc.array(row, { maxLength: 6 }), more: nested, total_count: fc.nat() }),
    );
    fc.assert(
      fc.property(body, fc.nat(), fc.constantFrom('', '}', ']', ',', 'x'), (value, at, change) => {
        const text = JSON.stringify(value);
        expect(parseJsonInPieces(Buffer.from(text, 'utf8'))).toEqual(plain(text));
        const cut = at % (text.length + 1);
        const broken = change === '' ? text.slice(0, cut) : text.slice(0, cut) + change + text.slice(cut + 1);
        const pieces = parseJsonInPieces(Buffer.from(broken, 'utf8'));
        if (plain(broken) === undefined) expect(pieces).toBeUndefined();
        else expect(pieces).toEqual(plain(broken));
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

describe('rows mapped as they are parsed', () => {
  /** A mapping that records each row it saw and wraps it, so a row mapped where it should not be shows. */
  function recording(at: RowMapping['at']): { rows: RowMapping; seen: unknown[] } {
    const seen: unknown[] = [];
    const map = (row: unknown): unknown => {
      seen.push(row);
      return { mapped: row };
    };
    return { seen, rows: { at, map } };
  }

  it('gives what mapRows(JSON.parse) gives, mapping each row of the list once, in order', () => {
    const body = fc.oneof(
      fc.array(fc.jsonValue()),
      fc.record({ data: fc.array(fc.jsonValue()), total_count: fc.nat() }),
      fc.dictionary(fc.string(), fc.jsonValue()),
    );
    fc.assert(
      fc.property(body, fc.constantFrom<RowMapping['at']>('body', 'data'), spaces, (value, at, pad) => {
        const text = spaced(value, pad);
        const pieces = recording(at);
        const parsed = recording(at);
        const result = parseJsonInPieces(Buffer.from(text, 'utf8'), pieces.rows);
        expect(result).toEqual({ value: mapRows(JSON.parse(text), parsed.rows) });
        expect(pieces.seen).toEqual(parsed.seen);
      }),
      { numRuns: 300 },
    );
  });

  it('maps only the list where `at` says: not arrays nested in rows, nor other members', () => {
    const text = JSON.stringify({ data: [{ tags: [1, 2] }, [3]], other: [4], total_count: 2 });
    const { rows, seen } = recording('data');
    expect(parseJsonInPieces(Buffer.from(text), rows)?.value).toEqual({
      data: [{ mapped: { tags: [1, 2] } }, { mapped: [3] }],
      other: [4],
      total_count: 2,
    });
    expect(seen).toEqual([{ tags: [1, 2] }, [3]]);
    // A top-level list with `at: 'data'`, or a page with `at: 'body'`: nothing is mapped.
    expect(parseJsonInPieces(Buffer.from('[1,2]'), recording('data').rows)?.value).toEqual([1, 2]);
    expect(parseJsonInPieces(Buffer.from(text), recording('body').rows)?.value).toEqual(JSON.parse(text));
  });

  it("lets the map's error through, and interpretBytes maps small bodies (no pieces) the same way", () => {
    const refuse: RowMapping = {
      at: 'body',
      map: () => {
        throw new RangeError('row refused');
      },
    };
    expect(() => parseJsonInPieces(Buffer.from('[{"id":1}]'), refuse)).toThrow('row refused');
    const json = { 'content-type': 'application/json' };
    expect(() => interpretBytes({ status: 200, headers: json, bytes: Buffer.from('[{"id":1}]') }, refuse)).toThrow(
      'row refused',
    );
    const small = interpretBytes(
      { status: 200, headers: json, bytes: Buffer.from('{"data":[1,2],"total_count":2}') },
      {
        at: 'data',
        map: (row) => (row as number) * 10,
      },
    );
    expect(small).toEqual({ ok: true, value: { data: [10, 20], total_count: 2 } });
    // An error answer's rows are never mapped.
    const error = interpretBytes({ status: 422, headers: json, bytes: Buffer.from('[{"id":1}]') }, refuse);
    expect(error.ok).toBe(false);
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
