// YAML text -> plain JSON data, with positions kept. Every hostile input ends as a diagnostic: syntax errors,
// duplicate keys, nesting too deep (checked on the concrete syntax tree first, because the yaml package composes
// nodes recursively and very deep flow nesting exhausts the stack), alias bombs (expansions are counted), strings
// that are too long, values JSON cannot hold (.inf, !!binary). `${VAR}` interpolation happens here, on string values
// only (never keys), and the scalars it filled are remembered so secrets stay out of messages.

import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type ParsedNode,
  Parser,
  type Scalar,
  type YAMLError,
} from 'yaml';
import { thousands } from '../util/plural.ts';
import { runSteps } from '../util/steps.ts';
import { readFastYamlInSteps } from './fast-yaml.ts';
import { findIndentationProblem, type IndentationProblem } from './indentation.ts';
import { interpolate } from './interpolate.ts';
import { charColumns } from './line-starts.ts';
import { diagnosticAt, keyString, type ParsedFile, type Span, spanOf } from './positions.ts';
import { LIMITS, type ManifestSource } from './types.ts';

/** Concrete-syntax nesting at which parsing stops; far above any real manifest, far below the stack's limit. */
const CST_DEPTH_LIMIT = 256;

function cstDepthOffset(tokens: readonly CST.Token[]): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop() as [CST.Token, number];
    if (depth > CST_DEPTH_LIMIT) return 'offset' in token ? token.offset : 0;
    if ('items' in token && Array.isArray(token.items)) {
      for (const item of token.items as CST.CollectionItem[]) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
    if (token.type === 'document' && token.value) stack.push([token.value, depth + 1]);
  }
  return undefined;
}

const YAML_MESSAGES: Record<string, string> = {
  TAB_AS_INDENT: 'tabs are not allowed as indentation in YAML',
  MULTIPLE_DOCS: 'a manifest file holds one YAML document; this one has a second after `---`',
};

const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'Indent with spaces.',
  MULTIPLE_DOCS: 'Put each document in its own file (a directory of files is one manifest), or remove the `---`.',
  DUPLICATE_KEY: 'Keep one of the two entries.',
};

/** The key written at an offset (yaml reports only where a duplicate key starts). */
function keyTextAt(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 300).split('\n')[0] ?? '';
  const match = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#,{}[\]]*?)\s*:(?:\s|$)/.exec(rest);
  const key = (match?.[1] ?? rest).trim();
  return /^["']/.test(key) ? key.slice(1, -1) : key;
}

interface ConvertState {
  file: ParsedFile;
  env: Readonly<Record<string, string | undefined>>;
  aliases: number;
  aliasValues: number;
  /** > 0 while converting the target of an alias. */
  inAlias: number;
  /** Set once a limit is hit: the converted value is not trustworthy enough to validate further. */
  fatal: boolean;
  reportedScalars: Set<Scalar>;
}

function report(state: ConvertState, span: Span, code: string, message: string, hint?: string): void {
  state.file.diagnostics.push(diagnosticAt(state.file, span, { severity: 'error', code, message, hint }));
}

function setProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  // A YAML key `__proto__` is data, not the prototype.
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function describeScalar(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value instanceof Uint8Array) return 'binary data (!!binary)';
  if (value instanceof Date) return 'a timestamp';
  if (typeof value === 'bigint') return 'an integer too large for JSON';
  return `a ${typeof value}`;
}

function convertString(state: ConvertState, node: Scalar, raw: string): string {
  const result = interpolate(raw, state.env);
  if (result.variables.length > 0 || result.problems.length > 0) state.file.interpolated.set(node, result);
  const firstVisit = !state.reportedScalars.has(node);
  state.reportedScalars.add(node);
  if (firstVisit) {
    const span = spanOf(node);
    const text = state.file.source.text;
    let searchFrom = span.start;
    for (const problem of result.problems) {
      // Point at the reference itself when it is found verbatim in the source (it is, unless escapes split it).
      const at = text.indexOf(problem.token, searchFrom);
      const problemSpan =
        at >= 0 && at < span.end ? { start: at, end: at + problem.token.length } : { start: span.start, end: span.end };
      if (at >= 0 && at < span.end) searchFrom = at + problem.token.length;
      report(
        state,
        problemSpan,
        problem.code,
        problem.message,
        problem.hint ??
          (problem.code === 'unset_variable'
            ? `Set the variable, or give a default: \${NAME:-default}.`
            : 'Write $${ for a literal ${.'),
      );
    }
    if (result.value.length > LIMITS.stringLength) {
      report(
        state,
        span,
        'string_too_long',
        `string of ${result.value.length} characters is longer than the limit of ${LIMITS.stringLength}`,
      );
    }
  }
  return result.value;
}

/** A plain scalar written as an integer (decimal, 0x or 0o; YAML 1.2 core schema). */
const INTEGER_FORM = /^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$/;
/** A plain scalar written as a decimal number (not .inf or .nan, which invalid_value reports). */
const NUMBER_FORM = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * Numbers JSON would not carry as written: a literal past the double range becomes Infinity (JSON.stringify sends
 * null), and an integer past 2^53 is rounded to its nearest double (123456789012345678 -> ...680). Reported here.
 */
function numberRefused(state: ConvertState, node: Scalar, value: number): boolean {
  const source = typeof node.source === 'string' ? node.source : '';
  if (!Number.isFinite(value) && NUMBER_FORM.test(source)) {
    report(
      state,
      spanOf(node),
      'number_out_of_range',
      `the number ${source} is beyond the range of a JSON number (it would be stored as null)`,
      'Write a smaller number, or quote it to keep it as text.',
    );
    return true;
  }
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER && INTEGER_FORM.test(source)) {
    report(
      state,
      spanOf(node),
      'integer_too_large',
      `the integer ${source} is beyond 2^53 - 1 in magnitude and would be rounded to ${value}`,
      `Quote it to keep every digit as text: "${source}".`,
    );
    return true;
  }
  return false;
}

/** A `%YAML` directive other than 1.2 would switch the schema (YAML 1.1 reads `yes` as true, `0123` as 83). */
function refuseYamlVersion(file: ParsedFile, tokens: readonly CST.Token[]): boolean {
  let refused = false;
  for (const token of tokens) {
    if (token.type !== 'directive') continue;
    const match = /^%YAML[ \t]+(\S*)/.exec(token.source);
    if (!match || match[1] === '1.2') continue;
    refused = true;
    file.diagnostics.push(
      diagnosticAt(
        file,
        { start: token.offset, end: token.offset + token.source.length },
        {
          severity: 'error',
          code: 'yaml_version',
          message: `manifests are read as YAML 1.2 (core schema); the directive ${JSON.stringify(token.source)} is not supported`,
          hint: 'Remove the %YAML line, and quote values such as yes, no, on, off or 0123 that must stay text.',
        },
      ),
    );
  }
  return refused;
}

function convert(state: ConvertState, node: Node | null | undefined, depth: number): unknown {
  if (state.fatal) return null;
  if (node === null || node === undefined) return null;
  if (state.inAlias > 0) {
    state.aliasValues += 1;
    if (state.aliasValues > LIMITS.aliasValues) {
      state.fatal = true;
      report(
        state,
        spanOf(node),
        'too_many_aliases',
        `aliases expand to more than ${thousands(LIMITS.aliasValues)} values`,
        'Write the repeated values out, or use fewer aliases.',
      );
      return null;
    }
  }
  if (isAlias(node)) {
    state.aliases += 1;
    if (state.aliases > LIMITS.aliases) {
      state.fatal = true;
      report(
        state,
        spanOf(node),
        'too_many_aliases',
        `more than ${thousands(LIMITS.aliases)} alias expansions (a YAML "billion laughs" alias bomb?)`,
        'Write the repeated values out, or use fewer aliases.',
      );
      return null;
    }
    const target = state.file.resolveAlias(node);
    if (!target) {
      report(state, spanOf(node), 'undefined_alias', `alias *${node.source} refers to no anchor defined before it`);
      return null;
    }
    state.inAlias += 1;
    try {
      return convert(state, target, depth);
    } finally {
      state.inAlias -= 1;
    }
  }
  if (isScalar(node)) {
    const value: unknown = node.value;
    if (typeof value === 'string') return convertString(state, node, value);
    if (value === null || typeof value === 'boolean') return value;
    if (typeof value === 'number' && numberRefused(state, node, value)) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    report(
      state,
      spanOf(node),
      'invalid_value',
      `${describeScalar(value)} is not a JSON value`,
      'Use a string, a finite number, true/false or null (quote the value to keep it as text).',
    );
    return null;
  }
  if (depth >= LIMITS.depth) {
    state.fatal = true;
    report(
      state,
      spanOf(node),
      'too_deep',
      `nesting deeper than ${LIMITS.depth} levels`,
      'Flatten the structure; metadata rarely needs more than a few levels.',
    );
    return null;
  }
  if (isMap(node)) {
    const result: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = keyString(pair.key);
      if (key === undefined) {
        const keyNode = pair.key as Node | null;
        report(
          state,
          keyNode?.range ? spanOf(keyNode) : spanOf(node),
          'invalid_key',
          'mapping keys must be plain strings',
          'Use a plain word as the key (complex and null keys cannot become JSON).',
        );
        continue;
      }
      setProperty(result, key, convert(state, pair.value as Node | null, depth + 1));
    }
    return result;
  }
  if (isSeq(node)) {
    return node.items.map((item) => convert(state, item as Node | null, depth + 1));
  }
  report(state, spanOf(node), 'invalid_value', 'unsupported YAML node');
  return null;
}

/**
 * The one indentation problem that stands for the yaml package's syntax errors, when the first of them is on the
 * problem's line or the line before it (yaml reports an over-indented line at the end of the line above, an
 * under-indented one at column 1, and may cascade): the errors after it are follow-ons of the same line.
 */
function indentationError(text: string, errors: readonly YAMLError[]): IndentationProblem | undefined {
  const structural = errors.filter((error) => error.code !== 'DUPLICATE_KEY');
  if (structural.length === 0) return undefined;
  const first = structural.reduce((least, error) => Math.min(least, error.pos[0]), Number.POSITIVE_INFINITY);
  const problem = findIndentationProblem(text);
  if (!problem) return undefined;
  const lineAfter = text.indexOf('\n', text.indexOf('\n', first) + 1);
  const limit = lineAfter < 0 || text.indexOf('\n', first) < 0 ? text.length : lineAfter;
  return problem.start <= limit ? problem : undefined;
}

/**
 * Start offsets of the keys that repeat a key before them in the same mapping, as yaml's uniqueKeys finds them
 * (scalar keys with equal values: `1` and `"1"` differ, `true` and `True` do not), with one Map per mapping.
 */
export function duplicateKeyOffsets(root: Node | null): number[] {
  const offsets: number[] = [];
  const stack: (Node | null | undefined)[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Map<unknown, true>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        // yaml compares values with ===, under which NaN never equals itself.
        if (isScalar(key) && !Number.isNaN(key.value)) {
          if (seen.has(key.value) && key.range) offsets.push(key.range[0]);
          seen.set(key.value, true);
        }
        stack.push(key, pair.value as Node | null);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item as Node | null);
    }
  }
  return offsets.sort((a, b) => a - b);
}

function kindOf(node: Node): string {
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'null' : `a ${typeof node.value} value`;
  return 'not a mapping';
}

export interface ReadYamlOptions {
  /**
   * Try the fast reader first (fast-yaml.ts). It reports the syntax errors it is sure of itself, as this file
   * words the yaml package's; a file with any other YAML-level problem is read by the yaml package. Its end offsets
   * of mappings and lists can differ from the yaml package's.
   * @default false
   */
  fast?: boolean;
}

/** Parses one manifest file into JSON data with positions, collecting every diagnostic. Pure. */
export function readYaml(
  source: ManifestSource,
  env: Readonly<Record<string, string | undefined>>,
  options: ReadYamlOptions = {},
): ParsedFile {
  return runSteps(readYamlInSteps(source, env, options));
}

/** readYaml in steps: the fast reader's (readFastYamlInSteps); the yaml package's read is one step. */
export function* readYamlInSteps(
  source: ManifestSource,
  env: Readonly<Record<string, string | undefined>>,
  options: ReadYamlOptions = {},
): Generator<void, ParsedFile> {
  const lineCounter = new LineCounter();
  let document: Document.Parsed | undefined;
  const file: ParsedFile = {
    source,
    lineCounter,
    root: undefined,
    resolveAlias: (node) => (document && isAlias(node) ? (node.resolve(document) ?? undefined) : undefined),
    value: undefined,
    interpolated: new Map(),
    diagnostics: [],
  };
  const text = source.text;
  const fast = options.fast ? yield* readFastYamlInSteps(text, env) : undefined;
  if (fast !== undefined && 'error' in fast) {
    // A syntax error the fast reader is sure of, in the yaml path's words: the file is not read a second time.
    file.lineCounter = charColumns(fast.lines, text);
    const { start, end, message, hint } = fast.error;
    file.diagnostics.push(
      diagnosticAt(file, { start, end }, { severity: 'error', code: 'yaml_syntax', message, hint }),
    );
    return file;
  }
  if (fast !== undefined) {
    file.lineCounter = charColumns(fast.lines, text);
    file.fast = fast.positions;
    file.value = fast.value;
    file.interpolated = fast.interpolated;
    return file;
  }
  file.lineCounter = charColumns(lineCounter, text);
  if (text.length > LIMITS.fullReaderBytes) {
    file.diagnostics.push(
      diagnosticAt(
        file,
        { start: 0, end: 0 },
        {
          severity: 'error',
          code: 'file_too_large',
          message: `the file is larger than ${LIMITS.fullReaderBytes / 1024 / 1024} MB and uses YAML the fast reader does not read (tabs, anchors, block or multi-line scalars, or another construct): reading it in full would need about 100 times its size in memory`,
          hint: 'Split the manifest into several files (pass a directory), or write it in plain YAML (spaces instead of tabs, one-line scalars).',
        },
      ),
    );
    return file;
  }
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const deepAt = cstDepthOffset(tokens);
  if (deepAt !== undefined) {
    file.diagnostics.push(
      diagnosticAt(
        file,
        { start: deepAt, end: deepAt + 1 },
        {
          severity: 'error',
          code: 'too_deep',
          message: `nesting deeper than ${LIMITS.depth} levels`,
          hint: 'Flatten the structure; metadata rarely needs more than a few levels.',
        },
      ),
    );
    return file;
  }
  if (refuseYamlVersion(file, tokens)) return file;
  // Composition as in yaml's parseDocument, on the tokens already checked. Its uniqueKeys check compares each key
  // with every key before it (100,000 keys: 75 s); duplicateKeyOffsets finds the same ones in linear time.
  const composer = new Composer({ uniqueKeys: false, strict: true, prettyErrors: false });
  for (const composed of composer.compose(tokens, true, text.length)) {
    if (!document) {
      document = composed;
    } else {
      file.diagnostics.push(
        diagnosticAt(
          file,
          { start: composed.range[0], end: composed.range[0] + 1 },
          {
            severity: 'error',
            code: 'multiple_documents',
            message: YAML_MESSAGES.MULTIPLE_DOCS as string,
            hint: YAML_HINTS.MULTIPLE_DOCS,
          },
        ),
      );
      break;
    }
  }
  if (!document) return file;
  let structural = false;
  const duplicates = duplicateKeyOffsets(document.contents).map((offset) => ({
    code: 'DUPLICATE_KEY',
    message: '',
    pos: [offset, offset + 1] as const,
  }));
  const errors = [...document.errors, ...duplicates];
  const indentation = indentationError(text, document.errors);
  if (indentation) {
    structural = true;
    file.diagnostics.push(
      diagnosticAt(
        file,
        { start: indentation.start, end: indentation.end },
        { severity: 'error', code: 'yaml_syntax', message: indentation.message, hint: indentation.hint },
      ),
    );
  }
  for (const error of indentation ? duplicates : errors) {
    const [start, end] = error.pos;
    const duplicate = error.code === 'DUPLICATE_KEY';
    if (!duplicate) structural = true;
    const message = duplicate
      ? `duplicate key ${JSON.stringify(keyTextAt(text, start))} in this mapping`
      : (YAML_MESSAGES[error.code] ?? error.message.split('\n')[0] ?? error.code);
    const hint = YAML_HINTS[error.code];
    file.diagnostics.push(
      diagnosticAt(
        file,
        { start, end: Math.max(end, start + 1) },
        {
          severity: 'error',
          code: duplicate ? 'duplicate_key' : 'yaml_syntax',
          message,
          hint,
        },
      ),
    );
  }
  for (const warning of document.warnings) {
    const [start, end] = warning.pos;
    file.diagnostics.push(
      diagnosticAt(
        file,
        { start, end },
        {
          severity: 'warning',
          code: 'yaml_warning',
          message: warning.message.split('\n')[0] ?? warning.code,
        },
      ),
    );
  }
  // After a syntax error the tree is a best guess: checking it would only add confusing follow-up errors.
  if (structural) return file;
  return convertRoot(file, document.contents, env);
}

/** The checks and the conversion to plain data, shared by both readers. */
function convertRoot(
  file: ParsedFile,
  root: ParsedNode | null,
  env: Readonly<Record<string, string | undefined>>,
): ParsedFile {
  file.root = root;
  if (root === null || (isScalar(root) && root.value === null && root.range[0] === root.range[1])) {
    file.diagnostics.push(
      diagnosticAt(
        file,
        { start: 0, end: 0 },
        {
          severity: 'error',
          code: 'empty_file',
          message: 'the file is empty',
          hint: 'A manifest starts with `apiVersion: clerk-sync/v1`; see docs/manifest.md.',
        },
      ),
    );
    return file;
  }
  const state: ConvertState = {
    file,
    env,
    aliases: 0,
    aliasValues: 0,
    inAlias: 0,
    fatal: false,
    reportedScalars: new Set(),
  };
  const value = convert(state, root, 0);
  if (state.fatal) return file;
  const rootNode = (isAlias(root) ? file.resolveAlias(root) : root) as Node | undefined;
  if (!isMap(rootNode)) {
    file.diagnostics.push(
      diagnosticAt(file, spanOf(root), {
        severity: 'error',
        code: 'not_a_mapping',
        message: `the manifest must be a mapping (apiVersion, settings, organizations, users), not ${rootNode ? kindOf(rootNode) : 'empty'}`,
        hint: 'Start the file with `apiVersion: clerk-sync/v1`; see docs/manifest.md.',
      }),
    );
    return file;
  }
  file.value = value;
  return file;
}
