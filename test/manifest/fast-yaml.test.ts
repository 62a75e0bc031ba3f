// The fast reader must agree with the yaml package wherever it accepts a file: same JSON value, same start offset
// for every node (SourceRefs come from them), and no yaml error the full reader would have reported. Checked on
// every fixture and example, on hand-written edge cases, and on random line soups (fast-check).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { readFastYaml } from '../../src/manifest/fast-yaml.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { LineStarts } from '../../src/manifest/line-starts.ts';
import { type FastPositions, locate, spanOf } from '../../src/manifest/positions.ts';
import { readYaml } from '../../src/manifest/read-yaml.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

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

/** 'declined' when the fast reader declines; otherwise checks (via expect) that it agrees with the yaml package. */
function compare(text: string): 'fast' | 'declined' {
  // Every container recorded, to compare every offset.
  const fast = readFastYaml(text, {}, { recordDepth: Number.POSITIVE_INFINITY });
  if (fast === undefined) return 'declined';
  const full = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: false });
  expect(full.errors.map((error) => error.code)).toEqual([]);
  expect(full.warnings.map((warning) => warning.code)).toEqual([]);
  // The full reader's value: the yaml package's, converted and interpolated by read-yaml.ts.
  expect(fast.value).toStrictEqual(readYaml({ file: 'x.yaml', text }, {}).value);
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
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['empty values', 'a:\nb: 1\n'],
    ['.inf and octal numbers', 'a: .inf\nb: 0o17\n'],
    ['YAML-only escapes', 'a: "\\x41"\n'],
    ['a trailing comma', 'a: [1, 2, ]\n'],
    ['quoted keys', '"a": 1\n'],
    ['a top-level list', '- a\n- b\n'],
    ['a wrongly indented key', 'a:\n    b: 1\n  c: 2\n'],
  ])('declines %s', (_name, text) => {
    expect(compare(text)).toBe('declined');
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
  ])('reads %s like the yaml package', (_name, text) => {
    expect(compare(text)).toBe('fast');
  });

  it('agrees with the yaml package on random documents of nested mappings, lists and tricky scalars', () => {
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
    );
    type Tree = { kind: 'scalar'; text: string } | { kind: 'map' | 'seq' | 'flow'; items: [string, Tree][] };
    const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        scalarText.map((text): Tree => ({ kind: 'scalar', text })),
        fc
          .tuple(
            fc.constantFrom<'map' | 'seq' | 'flow'>('map', 'seq', 'flow'),
            fc.array(fc.tuple(fc.constantFrom('a', 'b', 'key', 'k_2', 'true'), tie('tree')), { maxLength: 4 }),
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
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'users', 'b'), tree), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (entries, comments) => {
          const text = entries
            .map(([key, node]) => `${key}:${block(node, '  ')}${comments ? '# note\n\n' : ''}`)
            .join('');
          if (compare(text) === 'fast') accepted += 1;
        },
      ),
      { numRuns: 2000, seed: 20261123 },
    );
    // The documents must exercise the reader, not only its refusals.
    expect(accepted).toBeGreaterThan(200);
  });

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

describe('field positions of fast-read users', () => {
  it('equal those the yaml package gives, field by field and list item by list item', async () => {
    const { buildDesiredState } = await import('../../src/manifest/cross-checks.ts');
    const env = { ALICE_PASSWORD: 'Alice-Password-1', STAGING_PASSWORD: 'Staging-Password-1' };
    for (const name of ['examples/basic.yaml', 'examples/staging-seed.yaml']) {
      const source = { file: name, text: readFileSync(join(ROOT, name), 'utf8') };
      const fastFile = readYaml(source, env, { fast: true });
      expect(fastFile.fast, name).toBeDefined();
      const fast = buildDesiredState([fastFile], [name]).desired.users;
      const full = buildDesiredState([readYaml(source, env, { fast: false })], [name]).desired.users;
      expect(fast.length, name).toBeGreaterThan(0);
      expect(fast.map((user) => user.fieldSources)).toStrictEqual(full.map((user) => user.fieldSources));
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
