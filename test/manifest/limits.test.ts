// Hostile and extreme input ends as a diagnostic, never a crash or a hang: nesting far beyond the limit (which
// would exhaust the yaml package's recursive composer), alias expansion, long strings, large metadata, and random
// mutations of a valid manifest.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS, parseManifest } from '../../src/manifest/index.ts';

const HEAD = 'apiVersion: clerk-sync/v1\n';

/** The error codes (warnings left out). */
function codes(text: string, env: Record<string, string> = {}): string[] {
  return parseManifest([{ file: 'x.yaml', text }], { env })
    .diagnostics.filter((diagnostic) => diagnostic.severity === 'error')
    .map((diagnostic) => diagnostic.code);
}

describe('limits', () => {
  it('rejects 100,000 levels of flow nesting before composing it', () => {
    const depth = 100_000;
    const text = `${HEAD}users: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    const { diagnostics } = parseManifest([{ file: 'x.yaml', text }], { env: {} });
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['too_deep']);
    expect(diagnostics[0]?.line).toBe(2);
  });

  it('rejects deep block nesting written with "- - - -" on one line', () => {
    expect(codes(`${HEAD}users:\n  ${'- '.repeat(50_000)}x\n`)).toEqual(['too_deep']);
  });

  it('accepts metadata nested up to the limit and rejects one level more', () => {
    // The root mapping, users, the user and publicMetadata take 4 levels.
    const nested = (levels: number): string => `${'{a: '.repeat(levels)}1${'}'.repeat(levels)}`;
    const user = (levels: number): string =>
      `${HEAD}users:\n  - externalId: a\n    publicMetadata: ${nested(levels)}\n`;
    expect(codes(user(LIMITS.depth - 3))).toEqual([]);
    expect(codes(user(LIMITS.depth - 2))).toEqual(['too_deep']);
  });

  it('stops an alias that expands to too many values even with few alias uses', () => {
    const big = Array.from({ length: 1000 }, (_, index) => `v${index}`).join(', ');
    const uses = Array.from({ length: LIMITS.aliases }, () => '*big').join(', ');
    const text = `${HEAD}x: &big [${big}]\ny: [${uses}]\n`;
    expect(codes(text)).toEqual(['too_many_aliases']);
  });

  it('allows aliases below the cap', () => {
    const text = `${HEAD}settings: &s {prune: false}\n`;
    expect(codes(text)).toEqual([]);
  });

  it('rejects strings longer than the limit, also when the length comes from a variable', () => {
    const long = 'x'.repeat(LIMITS.stringLength + 1);
    // password: the one string field with no length limit of its own in the schema.
    const user = (value: string): string => `${HEAD}users:\n  - externalId: a\n    password: ${value}\n`;
    expect(codes(user(long))).toEqual(['string_too_long']);
    expect(codes(user('${LONG}'), { LONG: long })).toEqual(['string_too_long']);
    expect(codes(user('x'.repeat(LIMITS.stringLength)))).toEqual([]);
  });

  it('measures the metadata cap in UTF-8 bytes of JSON', () => {
    // 2,800 three-byte characters: 2,800 UTF-16 units but 8,400 bytes.
    const wide = '€'.repeat(2800);
    expect(codes(`${HEAD}users:\n  - externalId: a\n    unsafeMetadata: {note: "${wide}"}\n`)).toEqual([
      'metadata_too_large',
    ]);
    const fits = 'e'.repeat(2800);
    expect(codes(`${HEAD}users:\n  - externalId: a\n    unsafeMetadata: {note: "${fits}"}\n`)).toEqual([]);
  });

  it('treats a __proto__ key in metadata as data', () => {
    const result = parseManifest(
      [
        {
          file: 'x.yaml',
          text: `${HEAD}users:\n  - externalId: a\n    publicMetadata: {__proto__: {polluted: true}}\n`,
        },
      ],
      { env: {} },
    );
    const metadata = result.desired?.users[0]?.publicMetadata;
    expect(Object.keys(metadata ?? {})).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('parses a manifest with 2,000 users', () => {
    const users = Array.from(
      { length: 2000 },
      (_, index) =>
        `  - externalId: emp-${index}\n    emailAddresses: [u${index}@acme.test]\n    username: user_${index}\n`,
    ).join('');
    const result = parseManifest([{ file: 'x.yaml', text: `${HEAD}users:\n${users}` }], { env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.users).toHaveLength(2000);
    expect(result.desired?.users[1999]?.source).toStrictEqual({ file: 'x.yaml', line: 3 + 1999 * 3, column: 5 });
  });
});

describe('robustness', () => {
  const valid = [
    'apiVersion: clerk-sync/v1',
    'settings: {userKey: externalId, prune: false}',
    'organizations:',
    '  - slug: acme',
    '    name: Acme',
    'users:',
    '  - externalId: emp-001',
    '    emailAddresses: [a@acme.test]',
    '    password: ${PW:-long-enough-pw}',
    '    publicMetadata: {x: [1, {y: "z"}]}',
    '    memberships: [{org: acme, role: org:admin}]',
    '',
  ].join('\n');

  it('never throws on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const result = parseManifest([{ file: 'r.yaml', text }], { env: {} });
        expect(Array.isArray(result.diagnostics)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutations of a valid manifest, and errors always mean no DesiredState', () => {
    const alphabet = fc.constantFrom(
      ' ',
      '\t',
      '\n',
      ':',
      '-',
      '[',
      ']',
      '{',
      '}',
      '&',
      '*',
      '!',
      '#',
      '"',
      "'",
      '$',
      'a',
      '1',
      '?',
      '|',
      '>',
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.nat({ max: valid.length }), fc.nat({ max: 3 }), fc.string({ unit: alphabet, maxLength: 4 })),
          {
            maxLength: 4,
          },
        ),
        (edits) => {
          let text = valid;
          for (const [at, remove, insert] of edits) {
            text = text.slice(0, at) + insert + text.slice(at + remove);
          }
          const result = parseManifest([{ file: 'm.yaml', text }], { env: {} });
          const hasError = result.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
          expect(result.desired === undefined).toBe(hasError);
          for (const diagnostic of result.diagnostics) {
            expect(diagnostic.line).toBeGreaterThanOrEqual(1);
            expect(diagnostic.column).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
