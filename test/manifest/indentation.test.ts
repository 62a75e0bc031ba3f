// A YAML indentation mistake is one error at the offending line (line:col of its first character), saying what the
// indentation should be, instead of the yaml package's follow-on errors at the line above or at column 1.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findIndentationProblem } from '../../src/manifest/indentation.ts';
import { parseManifest } from '../../src/manifest/index.ts';

const HEAD = 'apiVersion: clerk-sync/v1\nusers:\n';

function user(index: number): string {
  return `  - externalId: u${index}\n    emailAddresses: [u${index}@example.test]\n    firstName: A\n`;
}

function errors(text: string) {
  return parseManifest([{ file: 'x.yaml', text }], { env: {} }).diagnostics.filter(
    (diagnostic) => diagnostic.severity === 'error',
  );
}

describe('indentation errors', () => {
  it('a key indented deeper than a sibling with a value: one error at that line, naming the indentation', () => {
    const text = `${HEAD}${user(1)}${user(2)}     lastName: B\n${Array.from({ length: 50 }, (_, index) => user(index + 3)).join('')}`;
    expect(errors(text)).toMatchObject([
      {
        code: 'yaml_syntax',
        line: 9,
        column: 6,
        message: expect.stringContaining('indented 5 spaces'),
        hint: expect.stringContaining('Indent it 4 spaces, like `firstName` on line 8'),
      },
    ]);
  });

  it('a key indented between two levels: one error at its first character, with both choices', () => {
    const text = `${HEAD}${user(1)}  - externalId: u2\n    emailAddresses: [u2@example.test]\n   firstName: A\n${user(3)}`;
    expect(errors(text)).toMatchObject([
      {
        code: 'yaml_syntax',
        line: 8,
        column: 4,
        message: 'this line is indented 3 spaces, which matches no enclosing block',
        hint: 'Indent it 4 spaces, like `externalId` on line 6, or 2 spaces, like the "-" on line 3.',
      },
    ]);
  });

  it('a list item indented less than the list', () => {
    const text = `${HEAD}${user(1)} - externalId: u2\n   emailAddresses: [u2@example.test]\n${user(3)}`;
    expect(errors(text)).toMatchObject([
      { code: 'yaml_syntax', line: 6, column: 2, hint: expect.stringContaining('Indent it 2 spaces') },
    ]);
  });

  it('in nested metadata', () => {
    const text = `${HEAD}${user(1)}    publicMetadata:\n      a: 1\n        b: 2\n      c: 3\n`;
    expect(errors(text)).toMatchObject([
      {
        code: 'yaml_syntax',
        line: 8,
        column: 9,
        hint: expect.stringContaining('Indent it 6 spaces, like `a` on line 7'),
      },
    ]);
  });

  it('finds nothing in valid manifests (block scalars, multi-line plain scalars, lists at their key)', () => {
    for (const path of ['test/fixtures/manifests/good/full.yaml', 'examples/basic.yaml']) {
      expect(findIndentationProblem(readFileSync(path, 'utf8')), path).toBeUndefined();
    }
    const text = 'a: |\n  text\n    more\nb: plain\n  continued\nc:\n- x\n- y: 1\n  z: 2\nd: [1,\n  2]\n';
    expect(findIndentationProblem(text)).toBeUndefined();
  });
});
