// The fast reader must agree with the yaml package wherever it accepts a file: same JSON value, same start offset
// for every node (SourceRefs come from them), and no yaml error the full reader would have reported. Checked on
// every fixture and example, on hand-written edge cases, and on random line soups (fast-check). The random runs use a
// fixed seed and a size that keeps the file near a second; FUZZ_RUNS=100000 (and FUZZ_SEED) run them longer.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { buildDesiredState } from '../../src/manifest/cross-checks.ts';
import { readFastYaml, readFastYamlInSteps } from '../../src/manifest/fast-yaml.ts';
import { sortDiagnostics } from '../../src/manifest/format.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { LineStarts } from '../../src/manifest/line-starts.ts';
import { type FastPositions, locate, spanOf } from '../../src/manifest/positions.ts';
import { readYaml } from '../../src/manifest/read-yaml.ts';
import { checkSchema } from '../../src/manifest/schema-check.ts';
import type { Diagnostic, ManifestResult, ManifestSource } from '../../src/manifest/types.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Random runs: a fixed seed and a size for the suite; FUZZ_RUNS and FUZZ_SEED on demand. */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 0) || undefined;
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261123);

/** fast-check options for a property that runs `base` times in the suite, scaled up with FUZZ_RUNS. */
function fuzz(base: number): { numRuns: number; seed: number } {
  return { numRuns: FUZZ_RUNS === undefined ? base : Math.max(base, FUZZ_RUNS), seed: FUZZ_SEED };
}

/** The suite's 30 s per test, or about a millisecond per run more on demand. */
const FUZZ_TIMEOUT = FUZZ_RUNS === undefined ? undefined : 30_000 + FUZZ_RUNS * 2;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Every node's start offset, in document order, with its kind. */
function starts(node: unknown, out: string[] = []): string[] {
  if (isScalar(node)) out.push(`scalar@${node.range?.[0]}`);
  else if (isMap(node)) {
    out.push(`map@${node.range?.[0]}`);
    for (const pair of node.items) {
      if (isPair(pair)) {
        starts(pair.key, out);
        starts(pair.value, out);
      }
    }
  } else if (isSeq(node)) {
    out.push(`seq@${node.range?.[0]}`);
    for (const item of node.items) starts(item, out);
  }
  return out;
}

/** The same walk over the fast reader's value and offset table. */
function fastStarts(value: unknown, start: number, positions: FastPositions, out: string[] = []): string[] {
  const container = typeof value === 'object' && value !== null ? positions.containers.get(value) : undefined;
  if (!container) {
    out.push(`scalar@${start}`);
  } else if (Array.isArray(value)) {
    out.push(`seq@${start}`);
    value.forEach((item, index) => {
      fastStarts(item, container.offsets[2 * index] as number, positions, out);
    });
  } else {
    out.push(`map@${start}`);
    Object.values(value as object).forEach((item, index) => {
      out.push(`scalar@${container.offsets[4 * index]}`);
      fastStarts(item, container.offsets[4 * index + 2] as number, positions, out);
    });
  }
  return out;
}

/**
 * JSON text in key order, -0 kept apart from 0, and any object that is not a plain one marked: toStrictEqual
 * cannot compare objects holding a `constructor` key (it compares that key as the objects' class).
 */
function exactJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (Object.is(item, -0)) return '(-0)';
    if (
      typeof item === 'object' &&
      item !== null &&
      !Array.isArray(item) &&
      Object.getPrototypeOf(item) !== Object.prototype
    ) {
      return '(not a plain object)';
    }
    return item;
  });
}

/** A diagnostic as the tests compare it. */
function shown(diagnostic: Diagnostic | undefined): unknown[] | undefined {
  if (!diagnostic) return undefined;
  const { code, line, column, endLine, endColumn, message, hint } = diagnostic;
  return [code, line, column, endLine, endColumn, message, hint];
}

/**
 * 'declined' when the fast reader declines; 'error' when it reports a syntax error, which the yaml package must
 * refuse too, with the same diagnostic; otherwise checks (via expect) that it agrees with the yaml package.
 */
function compare(text: string): 'fast' | 'declined' | 'error' {
  // Every container recorded, to compare every offset.
  const fast = readFastYaml(text, {}, { recordDepth: Number.POSITIVE_INFINITY });
  if (fast === undefined) return 'declined';
  if ('error' in fast) {
    const fastFile = readYaml({ file: 'x.yaml', text }, {}, { fast: true });
    const fullFile = readYaml({ file: 'x.yaml', text }, {});
    expect(fastFile.value, text).toBeUndefined();
    expect(fullFile.value, text).toBeUndefined();
    // One diagnostic, one the yaml path gives too (which may add follow-ons, a duplicate key after a misindented one).
    expect(fastFile.diagnostics.length, text).toBe(1);
    expect(fullFile.diagnostics.map(shown), text).toContainEqual(shown(fastFile.diagnostics[0]));
    return 'error';
  }
  const full = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: false });
  expect(full.errors.map((error) => error.code)).toEqual([]);
  expect(full.warnings.map((warning) => warning.code)).toEqual([]);
  // The full reader's value: the yaml package's, converted and interpolated by read-yaml.ts; a file the fast
  // reader accepts has nothing for the full reader to report (a number past the double range, say).
  const fullValue = readYaml({ file: 'x.yaml', text }, {});
  expect(fullValue.diagnostics.map((diagnostic) => diagnostic.code)).toEqual([]);
  expect(exactJson(fast.value)).toBe(exactJson(fullValue.value));
  expect(fastStarts(fast.value, fast.positions.root.start, fast.positions)).toStrictEqual(starts(full.contents));
  // And as the checks read them: recorded two levels deep, deeper ones found by reading an item again.
  const fastFile = readYaml({ file: 'x.yaml', text }, {}, { fast: true });
  const fullFile = readYaml({ file: 'x.yaml', text }, {});
  // Line and column of every offset, from the fast reader's line table and the yaml package's.
  const offsets = Array.from({ length: text.length + 2 }, (_, offset) => offset);
  expect(offsets.map((offset) => fastFile.lineCounter.linePos(offset))).toStrictEqual(
    offsets.map((offset) => fullFile.lineCounter.linePos(offset)),
  );
  for (const path of paths(fullFile.value)) {
    const [a, b] = [locate(fastFile, path), locate(fullFile, path)];
    expect([spanOf(a?.node).start, a?.key && spanOf(a.key).start], path.join('.')).toStrictEqual([
      spanOf(b?.node).start,
      b?.key && spanOf(b.key).start,
    ]);
  }
  return 'fast';
}

/** Every path of keys and indices in a JSON value. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  const out: string[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) out.push(...paths(item, [...prefix, String(index)]));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...prefix, key]));
  }
  return out;
}

/** Random documents of nested mappings, lists and tricky scalars (block and flow), with or without comments. */
function randomDocuments(): fc.Arbitrary<string> {
  const scalarText = fc.constantFrom(
    'x',
    'org:admin',
    '"a b"',
    "'c''d'",
    '12',
    '-3',
    '1.5',
    '1e3',
    'true',
    'Null',
    '~',
    '.inf',
    '0x1F',
    'a # c',
    'a#b',
    '"\\t"',
    '- y',
    '',
    '&a x',
    '*a',
    '@x',
    'yes',
    'a: b',
    '"é"',
    '{ k: v }',
    '[1, [2, {a: b}]]',
    // Numbers at the edges: past the double range, past 2^53, YAML 1.1 octal and booleans.
    '1e999',
    '-1e400',
    '2e308',
    '1e308',
    '123456789012345678',
    '9007199254740993',
    '9007199254740991',
    '-0',
    '0123',
    'on',
    '{ __proto__: 1 }',
  );
  type Tree = { kind: 'scalar'; text: string } | { kind: 'map' | 'seq' | 'flow'; items: [string, Tree][] };
  const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalarText.map((text): Tree => ({ kind: 'scalar', text })),
      fc
        .tuple(
          fc.constantFrom<'map' | 'seq' | 'flow'>('map', 'seq', 'flow'),
          fc.array(
            fc.tuple(
              fc.constantFrom('a', 'b', 'key', 'k_2', 'true', '__proto__', 'constructor', 'prototype'),
              tie('tree'),
            ),
            { maxLength: 4 },
          ),
        )
        .map(([kind, items]): Tree => ({ kind, items })),
    ),
  }));
  const flow = (node: Tree): string =>
    node.kind === 'scalar' ? node.text : `{ ${node.items.map(([key, item]) => `${key}: ${flow(item)}`).join(', ')} }`;
  const block = (node: Tree, indent: string): string => {
    if (node.kind === 'scalar' || node.kind === 'flow' || node.items.length === 0) return ` ${flow(node)}\n`;
    const lines = node.items.map(([key, item]) => {
      const head = node.kind === 'map' ? `${key}:` : '-';
      return `${indent}${head}${block(item, `${indent}  `)}`;
    });
    return `\n${lines.join('')}`;
  };
  return fc
    .tuple(fc.array(fc.tuple(fc.constantFrom('a', 'users', 'b'), tree), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([entries, comments]) =>
      entries.map(([key, node]) => `${key}:${block(node, '  ')}${comments ? '# note\n\n' : ''}`).join(''),
    );
}

/** Random manifests in the fast reader's subset: users with quoted, flow and plain values, metadata, memberships. */
function randomManifests(): fc.Arbitrary<string> {
  const value = fc.constantFrom('x', 'a b', '"a b"', "'c''d'", '12', 'true', '[1, "2"]', '{ k: v, n: [1] }', '"q\\"x"');
  const entries = (keys: string[]) =>
    fc.uniqueArray(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 3, selector: ([key]) => key });
  const user = fc.record({
    fields: entries(['firstName', 'lastName', 'username']),
    metadata: entries(['team', 'k_2', 'a']),
    memberships: fc.array(value, { maxLength: 2 }),
  });
  return fc.array(user, { minLength: 1, maxLength: 3 }).map((users) => {
    const lines = ['apiVersion: clerk-sync/v1', 'users:'];
    users.forEach((entry, index) => {
      lines.push(`  - externalId: u${index}`);
      for (const [key, item] of entry.fields) lines.push(`    ${key}: ${item}`);
      if (entry.metadata.length > 0) lines.push('    publicMetadata:');
      for (const [key, item] of entry.metadata) lines.push(`      ${key}: ${item}`);
      if (entry.memberships.length > 0) lines.push('    memberships:');
      for (const item of entry.memberships) lines.push(`      - { org: o, role: ${item} }`);
    });
    return `${lines.join('\n')}\n`;
  });
}

describe('readFastYaml', () => {
  it('agrees with the yaml package on every fixture and example it accepts, and accepts the plain ones', () => {
    const files = [...yamlFiles(join(ROOT, 'test/fixtures')), ...yamlFiles(join(ROOT, 'examples'))];
    const outcomes = new Map(files.map((file) => [file, compare(readFileSync(file, 'utf8'))]));
    expect(outcomes.get(join(ROOT, 'examples/basic.yaml'))).toBe('fast');
    expect(outcomes.get(join(ROOT, 'test/fixtures/manifests/good/minimal.yaml'))).toBe('fast');
  });

  it.each([
    ['anchors and aliases', 'a: &x [1]\nb: *x\n'],
    ['tags', 'a: !!binary aGk=\n'],
    ['block scalars', 'a: |\n  text\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line flow collections', 'a: [1,\n  2]\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['document markers', '---\na: 1\n'],
    ['tabs', 'a:\t1\n'],
    ['a lone CR (a line break in YAML)', 'a: 1\rb: 2\n'],
    ['a multi-line quoted scalar', 'a: "x\n  y"\nb: 1\n'],
    ['an unclosed quote that a later quote closes', 'a: "x\nb: "y"\n'],
    ['a deeper line that may continue a plain scalar', 'a:\n- x\n  - y\n'],
    ['a misindented key after a blank line (the yaml package reports it elsewhere)', 'a:\n  b: x\n\n   c: 1\n'],
    ['a multi-line flow collection', 'a: [1, 2\n  , 3]\n'],
    ['empty values', 'a:\nb: 1\n'],
    ['.inf and octal numbers', 'a: .inf\nb: 0o17\n'],
    ['YAML-only escapes', 'a: "\\x41"\n'],
    ['a trailing comma', 'a: [1, 2, ]\n'],
    ['quoted keys', '"a": 1\n'],
    ['a top-level list', '- a\n- b\n'],
  ])('declines %s', (_name, text) => {
    expect(compare(text)).toBe('declined');
  });

  it("reports the bad corpus's syntax errors in its subset itself: the file is read once", () => {
    const bad = join(ROOT, 'test/fixtures/manifests/bad');
    for (const name of ['unclosed-quote.yaml', 'unclosed-bracket.yaml']) {
      expect(compare(readFileSync(join(bad, name), 'utf8')), name).toBe('error');
    }
    // Tabs stay outside the subset: the yaml package reports them.
    expect(compare(readFileSync(join(bad, 'tab-indentation.yaml'), 'utf8'))).toBe('declined');
  });

  it.each([
    ['a wrongly indented key', 'a:\n    b: 1\n  c: 2\n'],
    ['a key deeper than its sibling', 'a:\n  b: x\n   c: 1\n'],
    ['a key under a value on its line', 'a: [1]\n  b: 1\n'],
    ['a list item between two levels', 'a:\n  - b: x\n c: 1\n'],
    ['a key without its colon', 'a:\n  b: x\n  c d # note\n  e: 1\n'],
    ['an unclosed double quote', 'a:\n  b: "x\\"\nc: 1\n'],
    ['an unclosed single quote', "a: 'x\n"],
    ['an unclosed flow sequence', 'a:\n  - [1, 2\n  - 3\n'],
    ['an unclosed flow mapping at the end', 'a: { k: 1'],
  ])('reports %s as the yaml package does, LF or CRLF', (_name, text) => {
    expect(compare(text)).toBe('error');
    expect(compare(text.replaceAll('\n', '\r\n'))).toBe('error');
    const [lf, crlf] = [text, text.replaceAll('\n', '\r\n')].map((variant) =>
      readYaml({ file: 'x.yaml', text: variant }, {}, { fast: true }).diagnostics.map(shown),
    );
    expect(crlf).toStrictEqual(lf);
  });

  it.each([
    [
      'scalars of every core type',
      "a: 1\nb: -2.5e3\nc: true\nd: ~\ne: null\nf: text # comment\ng: \"q\\\"uo\\u00e9\"\nh: 'it''s'\n",
    ],
    ['a sequence at the indentation of its key', 'a:\n- x\n- { k: v, n: [1, 2] }\nb: 2\n'],
    ['comments and blank lines everywhere', '# head\n\na: # why\n  # inner\n  b: 1\n\n  c: [x] # tail\n# end\n'],
    [
      'compact mappings in sequences',
      'users:\n  - id: a\n    tags: []\n  - id: b\n    roles:\n      - { org: x, role: "org:admin" }\n',
    ],
    ['colons and hashes inside plain scalars', 'a: org:admin\nb: a#b\nc: http://x.test/a\n'],
  ])('reads %s like the yaml package, LF or CRLF', (_name, text) => {
    expect(compare(text)).toBe('fast');
    expect(compare(text.replaceAll('\n', '\r\n'))).toBe('fast');
  });

  it(
    'agrees with the yaml package on random documents of nested mappings, lists and tricky scalars, LF or CRLF',
    () => {
      let accepted = 0;
      fc.assert(
        fc.property(randomDocuments(), (text) => {
          const outcome = compare(text);
          if (outcome === 'fast') accepted += 1;
          // A CRLF copy: the same outcome, and the same value (compare checks every position against yaml's).
          const crlf = text.replaceAll('\n', '\r\n');
          expect(compare(crlf), crlf).toBe(outcome);
          if (outcome === 'fast') {
            expect(exactJson(readYaml({ file: 'x', text: crlf }, {}, { fast: true }).value)).toBe(
              exactJson(readYaml({ file: 'x', text }, {}, { fast: true }).value),
            );
          }
        }),
        fuzz(2500),
      );
      // The documents must exercise the reader, not only its refusals.
      expect(accepted).toBeGreaterThan(250);
    },
    FUZZ_TIMEOUT,
  );

  it(
    'reports only errors the yaml package reports, at its place in its words, on random documents with one mistake',
    () => {
      type Mistake = 'indent' | 'dedent' | 'colon' | 'quote' | 'bracket' | 'cut';
      const mistake = fc.tuple(
        fc.constantFrom<Mistake>('indent', 'dedent', 'colon', 'quote', 'bracket', 'cut'),
        fc.nat(),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
      );
      const outcomes = new Map<string, number>();
      fc.assert(
        fc.property(fc.oneof(randomManifests(), randomDocuments()), mistake, (text, [kind, pick, shift, crlf]) => {
          const lines = text.split('\n');
          const index = pick % lines.length;
          const line = lines[index] as string;
          if (kind === 'indent') lines[index] = `${' '.repeat(shift)}${line}`;
          if (kind === 'dedent') lines[index] = line.slice(Math.min(shift, line.length - line.trimStart().length));
          if (kind === 'colon') lines[index] = line.replace(/:(?= |$)/, '');
          if (kind === 'quote') lines[index] = line.replace(/["'](?=[^"']*$)/, '');
          if (kind === 'bracket') lines[index] = line.replace(/[\]}](?=[^\]}]*$)/, '');
          const mutated = kind === 'cut' ? text.slice(0, pick % (text.length + 1)) : lines.join('\n');
          const outcome = compare(crlf ? mutated.replaceAll('\n', '\r\n') : mutated);
          outcomes.set(`${kind} ${outcome}`, (outcomes.get(`${kind} ${outcome}`) ?? 0) + 1);
        }),
        fuzz(2000),
      );
      // Every kind of mistake must be reported by the fast reader itself some of the time.
      for (const kind of ['indent', 'dedent', 'colon', 'quote', 'bracket']) {
        expect(outcomes.get(`${kind} error`) ?? 0, `${kind}: ${JSON.stringify([...outcomes])}`).toBeGreaterThan(5);
      }
    },
    FUZZ_TIMEOUT,
  );

  it('interpolates like the full reader and keeps the password variable; declines unset variables', () => {
    const text = 'apiVersion: clerk-sync/v1\nusers:\n  - externalId: "${PREFIX}-1"\n    password: ${PW}\n';
    const env = { PREFIX: 'emp', PW: 'correct horse battery' };
    const fast = readYaml({ file: 'm.yaml', text }, env, { fast: true });
    const full = readYaml({ file: 'm.yaml', text }, env);
    expect(fast.fast).toBeDefined();
    expect(fast.value).toStrictEqual(full.value);
    const result = parseManifest([{ file: 'm.yaml', text }], { env });
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.users[0]?.password?.source).toStrictEqual({ kind: 'env', variable: 'PW' });
    expect(readFastYaml(text, { PREFIX: 'emp' })).toBeUndefined();
  });

  it('leaves parseManifest results unchanged: a clean manifest keeps its sources, a broken one its diagnostics', () => {
    const text = [
      'apiVersion: clerk-sync/v1',
      'organizations:',
      '  - { slug: acme, name: Acme }',
      'users:',
      '  - externalId: a-1',
      '    emailAddresses: [a@acme.test]',
      '    memberships:',
      '      - { org: acme, role: "org:admin" }',
      '',
    ].join('\n');
    const clean = parseManifest([{ file: 'm.yaml', text }], { env: {} });
    expect(clean.diagnostics).toEqual([]);
    expect(clean.desired?.users[0]?.source).toStrictEqual({ file: 'm.yaml', line: 5, column: 5 });
    const broken = parseManifest([{ file: 'm.yaml', text: text.replace('role: "org:admin"', 'role: admin') }], {
      env: {},
    });
    expect(broken.desired).toBeUndefined();
    expect(broken.diagnostics.map((d) => [d.code, d.line, d.column, d.endLine, d.endColumn])).toStrictEqual([
      ['invalid_role', 8, 28, 8, 33],
    ]);
  });
});

/** parseManifest's stages with the yaml package only: what every manifest would give without the fast reader. */
function parseFull(sources: ManifestSource[], env: Record<string, string>): ManifestResult {
  const files = sources.map((source) => readYaml(source, env));
  const diagnostics = files.flatMap((file) => file.diagnostics);
  const usable = files.filter((file) => file.value !== undefined);
  for (const file of usable) diagnostics.push(...checkSchema(file));
  const built = buildDesiredState(
    usable,
    sources.map((source) => source.file),
  );
  diagnostics.push(...built.diagnostics);
  const valid = usable.length === files.length && !diagnostics.some((d) => d.severity === 'error');
  return { desired: valid ? built.desired : undefined, diagnostics: sortDiagnostics(diagnostics) };
}

describe('parseManifest with the fast reader against the yaml package alone', () => {
  it(
    'gives the same users, sources and diagnostics (code, line, column, message) on random manifests, LF or CRLF',
    () => {
      // Mostly valid values, so that both outcomes are common: a clean manifest and a refused one.
      const rarely = (good: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) =>
        fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
      const scalar = rarely(
        fc.constantFrom(
          'x',
          '"q"',
          '12',
          '1.5',
          'true',
          '~',
          '9007199254740991',
          'yes',
          '0123',
          '"${PW}"',
          '[1, 2]',
          '{ k: v }',
        ),
        fc.constantFrom('1e999', '-1e400', '123456789012345678', '.nan', '"${UNSET}"', '"a${{"'),
      );
      const key = fc.constantFrom('team', '__proto__', 'constructor', 'prototype', 'k_2');
      const metadata = fc.array(fc.tuple(key, scalar, fc.boolean()), { maxLength: 4 });
      const field = rarely(fc.constantFrom('firstName', 'lastName', 'username'), fc.constant('fristName'));
      const name = rarely(fc.constantFrom('ada', '"Ada L"', 'yes', '"${PW}"'), fc.constantFrom('12', '"${UNSET}"'));
      const user = fc.record({ metadata, field, value: name });
      const env = { PW: 'correct horse battery staple' };
      let clean = 0;
      const options = fuzz(300);
      fc.assert(
        fc.property(fc.array(user, { minLength: 1, maxLength: 4 }), fc.boolean(), (users, merge) => {
          const lines = ['apiVersion: clerk-sync/v1'];
          if (merge) lines.push('settings: { metadataMode: merge }');
          lines.push('users:');
          users.forEach((entry, index) => {
            lines.push(`  - externalId: u-${index}`, `    emailAddresses: [u${index}@acme.test]`);
            lines.push(`    ${entry.field}: ${entry.value}`);
            if (entry.metadata.length > 0) lines.push('    publicMetadata:');
            // Keys may repeat: duplicate_key is one of the diagnostics compared.
            for (const [name, value, nested] of entry.metadata) {
              lines.push(nested ? `      ${name}:\n        inner: ${value}` : `      ${name}: ${value}`);
            }
          });
          const text = `${lines.join('\n')}\n`;
          const sources = [{ file: 'm.yaml', text }];
          const fast = parseManifest(sources, { env });
          const full = parseFull(sources, env);
          const shown = (result: ManifestResult) =>
            result.diagnostics.map((d) => [d.code, d.line, d.column, d.endLine, d.endColumn, d.message]);
          expect(shown(fast), text).toStrictEqual(shown(full));
          expect(exactJson(fast.desired), text).toBe(exactJson(full.desired));
          expect(
            fast.desired?.users.map((u) => [u.source, fast.desired?.positions?.user(u.key)]),
            text,
          ).toStrictEqual(full.desired?.users.map((u) => [u.source, full.desired?.positions?.user(u.key)]));
          // A CRLF copy reads to the same users and diagnostics, at the same lines and columns.
          const crlf = parseManifest([{ file: 'm.yaml', text: text.replaceAll('\n', '\r\n') }], { env });
          expect(shown(crlf), text).toStrictEqual(shown(fast));
          expect(exactJson(crlf.desired), text).toBe(exactJson(fast.desired));
          expect(
            crlf.desired?.users.map((u) => crlf.desired?.positions?.user(u.key)),
            text,
          ).toStrictEqual(fast.desired?.users.map((u) => fast.desired?.positions?.user(u.key)));
          if (fast.desired) clean += 1;
        }),
        options,
      );
      // Both outcomes must be exercised: valid manifests and refused ones.
      expect(clean).toBeGreaterThan(options.numRuns / 20);
      expect(clean).toBeLessThan(options.numRuns * 0.9);
    },
    FUZZ_TIMEOUT,
  );
});

describe('a CRLF manifest', () => {
  it('is read by the fast reader to the values, sources, field positions and diagnostics of its LF twin', () => {
    const env = { ALICE_PASSWORD: 'Alice-Password-1', STAGING_PASSWORD: 'Staging-Password-1' };
    const names = [
      'examples/basic.yaml',
      'examples/staging-seed.yaml',
      'test/fixtures/manifests/good/minimal.yaml',
      'test/fixtures/manifests/bad/unknown-user-key.yaml',
      'test/fixtures/manifests/bad/unclosed-quote.yaml',
    ];
    for (const name of names) {
      const lf = readFileSync(join(ROOT, name), 'utf8');
      const crlf = lf.replaceAll('\n', '\r\n');
      const read = readFastYaml(crlf, env);
      expect(read, name).toBeDefined();
      const [a, b] = [lf, crlf].map((text) => parseManifest([{ file: name, text }], { env }));
      expect(b?.diagnostics.map(shown), name).toStrictEqual(a?.diagnostics.map(shown));
      expect(exactJson(b?.desired), name).toBe(exactJson(a?.desired));
      const fields = (result: ManifestResult | undefined) =>
        result?.desired?.users.map((user) => result.desired?.positions?.user(user.key));
      expect(fields(b), name).toStrictEqual(fields(a));
    }
  });
});

describe('field positions of fast-read users', () => {
  it('equal those the yaml package gives, field by field and list item by list item', async () => {
    const { buildDesiredState } = await import('../../src/manifest/cross-checks.ts');
    const env = { ALICE_PASSWORD: 'Alice-Password-1', STAGING_PASSWORD: 'Staging-Password-1' };
    for (const name of ['examples/basic.yaml', 'examples/staging-seed.yaml']) {
      const source = { file: name, text: readFileSync(join(ROOT, name), 'utf8') };
      const fastFile = readYaml(source, env, { fast: true });
      expect(fastFile.fast, name).toBeDefined();
      const fastState = buildDesiredState([fastFile], [name]).desired;
      const fullState = buildDesiredState([readYaml(source, env, { fast: false })], [name]).desired;
      const fast = fastState.users;
      const full = fullState.users;
      expect(fast.length, name).toBeGreaterThan(0);
      expect(fast.map((user) => fastState.positions?.user(user.key))).toStrictEqual(
        full.map((user) => fullState.positions?.user(user.key)),
      );
      expect(fast.map((user) => user.memberships)).toStrictEqual(full.map((user) => user.memberships));
      expect(fast.flatMap((user) => user.memberships ?? []).length, name).toBeGreaterThan(0);
    }
  });
});

describe('LineStarts', () => {
  it('answers linePos like the yaml package LineCounter for every offset, texts with and without line ends', () => {
    for (const text of ['', 'a', '\n', 'a\n', '\n\n', 'a\nbc', 'ab\n\ncd\n', 'é😀\nx']) {
      const counter = new LineCounter();
      counter.addNewLine(0);
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) counter.addNewLine(at + 1);
      const starts = new LineStarts(text);
      for (let offset = 0; offset <= text.length + 1; offset += 1) {
        expect(starts.linePos(offset), JSON.stringify([text, offset])).toStrictEqual(counter.linePos(offset));
      }
    }
  });
});

describe('readFastYamlInSteps', () => {
  const steps = (text: string) => {
    const read = readFastYamlInSteps(text, {}, { recordDepth: Number.POSITIVE_INFINITY });
    let pauses = 0;
    let step = read.next();
    for (; !step.done; step = read.next()) pauses += 1;
    return { pauses, read: step.value };
  };

  it('stops every 2,500 items of a list at the top of the document, and reads what the yaml package reads', () => {
    const users = Array.from({ length: 5_001 }, (_, i) => `  - externalId: emp-${i}\n    tags: [a, b]\n`).join('');
    const organizations = Array.from({ length: 2_501 }, (_, i) => `  - { slug: org-${i}, name: Org ${i} }\n`).join('');
    const text = `apiVersion: clerk-sync/v1\norganizations:\n${organizations}settings:\n  prune: true\nusers:\n${users}`;
    const { pauses, read } = steps(text);
    // Two stops in the users, one after the 2,500th of 2,501 organizations; none in settings.
    expect(pauses).toBe(3);
    expect(compare(text)).toBe('fast');
    expect(read !== undefined && 'value' in read ? read.value : undefined).toStrictEqual(parseDocument(text).toJS());
  });

  it('never stops inside a list deeper in the document', () => {
    const emails = Array.from({ length: 2_501 }, (_, i) => `      - e${i}@example.com\n`).join('');
    const text = `apiVersion: clerk-sync/v1\nusers:\n  - externalId: a\n    emailAddresses:\n${emails}`;
    const { pauses, read } = steps(text);
    expect(pauses).toBe(0);
    expect(read !== undefined && 'value' in read ? read.value : undefined).toStrictEqual(parseDocument(text).toJS());
  });

  it('stops as often in a file it declines at the end, then declines it', () => {
    const users = Array.from({ length: 2_501 }, (_, i) => `  - externalId: emp-${i}\n`).join('');
    expect(steps(`apiVersion: clerk-sync/v1\nusers:\n${users}extra: &anchor 1\n`)).toStrictEqual({
      pauses: 1,
      read: undefined,
    });
  });
});
