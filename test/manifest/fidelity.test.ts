// What is stored is what the YAML says (issue 15): numbers JSON would not carry as written are refused at their
// line and column by both readers, a %YAML directive cannot switch the schema, and keys such as __proto__ are data.

import { describe, expect, it } from 'vitest';
import { readFastYaml } from '../../src/manifest/fast-yaml.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { readYaml } from '../../src/manifest/read-yaml.ts';

function diagnostics(text: string): [string, number, number][] {
  const result = parseManifest([{ file: 'm.yaml', text }], { env: {} });
  expect(result.desired).toBeUndefined();
  return result.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.line, diagnostic.column]);
}

function user(metadata: string): string {
  return `apiVersion: clerk-sync/v1\nusers:\n  - externalId: a-1\n    publicMetadata:\n${metadata}`;
}

describe('numbers JSON cannot carry as written', () => {
  it.each([
    ['1e999', '      n: 1e999\n'],
    ['2e308', '      n: 2e308\n'],
    ['-1e400', '      n: -1e400\n'],
    ['1e999 in a flow mapping', '      n: { deep: [1e999] }\n'],
  ])('%s is number_out_of_range at its line and column, and the fast reader declines it', (_name, metadata) => {
    const text = user(metadata);
    expect(readFastYaml(text, {})).toBeUndefined();
    const at = metadata.search(/-?1e999|2e308|-1e400/);
    expect(diagnostics(text)).toStrictEqual([['number_out_of_range', 5, at + 1]]);
  });

  it.each([
    ['123456789012345678', 10],
    ['-9007199254740992', 10],
    ['9007199254740993', 10],
    ['0x20000000000001', 10],
  ])('the integer %s is integer_too_large, with a hint to quote it', (number, column) => {
    const text = user(`      n: ${number}\n`);
    const result = parseManifest([{ file: 'm.yaml', text }], { env: {} });
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toStrictEqual([['integer_too_large', 5, column]]);
    expect(result.diagnostics[0]?.hint).toContain(`"${number}"`);
  });

  it('keeps the largest safe integer, floats past 2^53, quoted digits and 1e308', () => {
    const text = user(
      '      max: 9007199254740991\n      min: -9007199254740991\n      big: 1.5e20\n      id: "123456789012345678"\n      edge: 1e308\n',
    );
    for (const fast of [true, false]) {
      const file = readYaml({ file: 'm.yaml', text }, {}, { fast });
      expect(file.diagnostics).toEqual([]);
      const users = (file.value as { users: { publicMetadata: unknown }[] }).users;
      expect(users[0]?.publicMetadata).toStrictEqual({
        max: 9007199254740991,
        min: -9007199254740991,
        big: 1.5e20,
        id: '123456789012345678',
        edge: 1e308,
      });
    }
  });
});

describe('the YAML 1.2 core schema', () => {
  it.each(['%YAML 1.1', '%YAML 1.0', '%YAML 1.3'])('refuses a %s directive at its line, converting nothing', (line) => {
    const text = `# header\n${line}\n---\napiVersion: clerk-sync/v1\nusers:\n  - externalId: a-1\n    publicMetadata: { a: yes, b: 0123 }\n`;
    const result = parseManifest([{ file: 'm.yaml', text }], { env: {} });
    expect(result.desired).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toStrictEqual([['yaml_version', 2, 1]]);
    expect(result.diagnostics[0]?.message).toContain(line);
  });

  it('reads yes and 0123 as YAML 1.2 does (a string and 123) with no directive or %YAML 1.2', () => {
    for (const head of ['', '%YAML 1.2\n---\n']) {
      const text = `${head}apiVersion: clerk-sync/v1\nusers:\n  - externalId: a-1\n    publicMetadata: { a: yes, b: 0123, c: on }\n`;
      const result = parseManifest([{ file: 'm.yaml', text }], { env: {} });
      expect(result.diagnostics).toEqual([]);
      expect(result.desired?.users[0]?.publicMetadata).toStrictEqual({ a: 'yes', b: 123, c: 'on' });
    }
  });
});

describe('keys a JSON object can hold', () => {
  const text = user(
    '      __proto__: { admin: true }\n      constructor: c\n      prototype: { x: 1 }\n      nested:\n        __proto__: [1]\n',
  );
  const expected = JSON.parse(
    '{"__proto__":{"admin":true},"constructor":"c","prototype":{"x":1},"nested":{"__proto__":[1]}}',
  ) as unknown;

  it('are own data properties through both readers and the desired state', () => {
    const fast = readYaml({ file: 'm.yaml', text }, {}, { fast: true });
    expect(fast.fast).toBeDefined();
    for (const file of [fast, readYaml({ file: 'm.yaml', text }, {})]) {
      expect(file.diagnostics).toEqual([]);
      const metadata = (file.value as { users: { publicMetadata: object }[] }).users[0]?.publicMetadata as object;
      expect(JSON.stringify(metadata)).toBe(JSON.stringify(expected));
      expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    }
    const result = parseManifest([{ file: 'm.yaml', text }], { env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(JSON.stringify(result.desired?.users[0]?.publicMetadata)).toBe(JSON.stringify(expected));
  });
});
