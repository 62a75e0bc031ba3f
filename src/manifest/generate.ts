// Generated users: a `generate:` entry is a count and a user template whose strings may hold placeholders, `{i}`
// (1..count), `{i:04}` (zero-padded) and fake values (`{firstName}`...), expanded into plain users. Pure. The
// placeholders are expanded after `${VAR}` interpolation (read time), so `${...}` is the environment and `{...}` the
// generator; `{{` and `}}` are a literal brace. Fake values are seeded from the template's user-key string and i, so
// user 7 keeps its values on every run and when the count changes (generate-fake.ts).

import { USER_FIELDS } from '../fields/user-fields.ts';
import type { EnvironmentValue, UserKeyKind } from '../model/index.ts';
import { isPlainObject } from '../util/json.ts';
import { thousands } from '../util/plural.ts';
import { FAKE_VALUE_NAMES, type FakeValueName, fakeValue, seedOf } from './generate-fake.ts';

/** Most users all `generate:` entries of a manifest may produce together (the planner's tested scale). */
export const GENERATE_LIMIT = 100_000;

type Piece = string | { index: number } | { fake: FakeValueName };
type Data = Record<string, unknown>;

/** A template string, parsed once: literal text and placeholders. */
export interface CompiledString {
  pieces: Piece[];
  /** It has an `{i}` (so every user gets a different value). */
  indexed: boolean;
}

export interface TemplateProblem {
  /** Inside the `generate:` entry, e.g. ['emailAddresses', '0']. */
  path: string[];
  code: string;
  message: string;
  hint?: string;
}

const PLACEHOLDER_HINT = `Placeholders: {i}, {i:04} (zero-padded to 4 digits), ${FAKE_VALUE_NAMES.map((name) => `{${name}}`).join(', ')}; write {{ and }} for a literal brace.`;

/** Parses one template string; a problem names what is wrong with it. */
export function compileString(text: string): CompiledString | { problem: string } {
  const pieces: Piece[] = [];
  let literal = '';
  let indexed = false;
  let at = 0;
  while (at < text.length) {
    const char = text[at] as string;
    if ((char === '{' || char === '}') && text[at + 1] === char) {
      literal += char;
      at += 2;
      continue;
    }
    if (char === '}') return { problem: 'a lone "}" (write }} for a literal brace)' };
    if (char !== '{') {
      literal += char;
      at += 1;
      continue;
    }
    const close = text.indexOf('}', at);
    if (close < 0) return { problem: 'an unclosed "{" (write {{ for a literal brace)' };
    const name = text.slice(at + 1, close);
    const padded = /^i(?::0([1-9]))?$/.exec(name);
    let piece: Piece;
    if (padded) {
      piece = { index: padded[1] === undefined ? 0 : Number(padded[1]) };
      indexed = true;
    } else if ((FAKE_VALUE_NAMES as readonly string[]).includes(name)) {
      piece = { fake: name as FakeValueName };
    } else {
      return { problem: `an unknown placeholder "{${name}}"` };
    }
    if (literal !== '') pieces.push(literal);
    literal = '';
    pieces.push(piece);
    at = close + 1;
  }
  if (literal !== '') pieces.push(literal);
  return { pieces, indexed };
}

/** A template string's value for user `i`; `base` seeds its fake values. */
export function expandString(compiled: CompiledString, i: number, base: number): string {
  let out = '';
  for (const piece of compiled.pieces) {
    if (typeof piece === 'string') out += piece;
    else if ('index' in piece) out += String(i).padStart(piece.index, '0');
    else out += fakeValue(piece.fake, base, i);
  }
  return out;
}

/** Fields whose strings are templates: identifiers, names, lists of addresses, metadata values. Never secrets. */
const TEMPLATED_KINDS: readonly string[] = ['identifier', 'nullableString', 'identifierList', 'metadata'];
export const TEMPLATED_FIELDS: readonly string[] = USER_FIELDS.filter((row) => TEMPLATED_KINDS.includes(row.kind)).map(
  (row) => row.name,
);

/** How a template string read the environment: its variables, and the string as written (references kept). */
interface FromEnvironment {
  variables: string[];
  written: CompiledString;
}

/** The `${VAR}` interpolation of a template string at a path (in the `generate:` entry), if it read a variable. */
export type InterpolationAt = (path: readonly string[]) => { variables: string[]; template: string } | undefined;

/**
 * The string as the manifest writes it (`${TENANT}-{i:04}`), compiled with its `${NAME}` references as literal
 * text: expanded for user 7, `${TENANT}-0007`, how outputs name the value instead of showing it.
 */
function compileWritten(template: string): CompiledString {
  const pieces: Piece[] = [];
  for (const part of template.split(/(\$\{[A-Za-z_][A-Za-z0-9_]*\})/)) {
    const compiled = part.startsWith('${') ? undefined : compileString(part);
    if (compiled === undefined || 'problem' in compiled) pieces.push(part);
    else pieces.push(...compiled.pieces);
  }
  return { pieces, indexed: false };
}

/** A template value with its strings compiled: strings, lists and mappings of them; anything else is copied. */
type CompiledValue =
  | { kind: 'string'; compiled: CompiledString; environment?: FromEnvironment }
  | { kind: 'list'; items: CompiledValue[] }
  | { kind: 'map'; entries: [string, CompiledValue][] }
  | { kind: 'copy'; value: unknown };

interface CompileContext {
  problems: TemplateProblem[];
  interpolation: InterpolationAt;
}

function compileText(value: string, path: string[], context: CompileContext): CompiledValue {
  const compiled = compileString(value);
  const read = context.interpolation(path);
  if ('problem' in compiled) {
    // A value read from the environment is never quoted, not even a part of it.
    const what = read
      ? `a value read from \${${read.variables.join('}, ${')}} with a brace that is not a placeholder`
      : compiled.problem;
    context.problems.push({
      path,
      code: 'invalid_placeholder',
      message: `${path.join('.')} has ${what}`,
      hint: PLACEHOLDER_HINT,
    });
    return { kind: 'copy', value };
  }
  // A string without placeholders is shared by every user, not rebuilt.
  if (compiled.pieces.every((piece) => typeof piece === 'string')) {
    return { kind: 'copy', value: compiled.pieces.join('') };
  }
  return read
    ? { kind: 'string', compiled, environment: { variables: read.variables, written: compileWritten(read.template) } }
    : { kind: 'string', compiled };
}

function compileValue(value: unknown, path: string[], context: CompileContext): CompiledValue {
  if (typeof value === 'string') return compileText(value, path, context);
  if (Array.isArray(value)) {
    return { kind: 'list', items: value.map((item, index) => compileValue(item, [...path, String(index)], context)) };
  }
  if (isPlainObject(value)) {
    return {
      kind: 'map',
      entries: Object.entries(value).map(([key, item]) => [key, compileValue(item, [...path, key], context)]),
    };
  }
  return { kind: 'copy', value };
}

/** One user's expansion: `i`, the fake values' seed, and where values read from the environment are reported. */
interface Expansion {
  i: number;
  base: number;
  environment: EnvironmentValue[];
}

function expandValue(value: CompiledValue, expansion: Expansion): unknown {
  const { i, base } = expansion;
  switch (value.kind) {
    case 'string': {
      const expanded = expandString(value.compiled, i, base);
      const from = value.environment;
      if (from) {
        const template = expandString(from.written, i, base);
        expansion.environment.push({ value: expanded, variables: from.variables, template });
        const lower = expanded.toLowerCase();
        // Emails are planned lower-cased: that form is named the same way (environment.ts).
        if (lower !== expanded) expansion.environment.push({ value: lower, variables: from.variables, template });
      }
      return expanded;
    }
    case 'list':
      return value.items.map((item) => expandValue(item, expansion));
    case 'map':
      return Object.fromEntries(value.entries.map(([key, item]) => [key, expandValue(item, expansion)]));
    case 'copy':
      return value.value;
    default: {
      const unreachable: never = value;
      return unreachable;
    }
  }
}

/** One `generate:` entry, checked and ready to expand. */
export interface Generator {
  count: number;
  /** The user-key field's template (after `${VAR}`): seeds its fake values. */
  keyTemplate: string;
  /**
   * User `i` (1..count) as a plain manifest user; strings expanded from a value read from the environment are added
   * to `environment`, named as written (`(from ${TENANT}-0007)`), so outputs show them by reference.
   */
  user(i: number, environment: EnvironmentValue[]): Data;
}

/** The path of the user key in a user, by settings.userKey. */
export function keyPath(userKey: UserKeyKind): string[] {
  return userKey === 'emailAddress' ? ['emailAddresses', '0'] : [userKey];
}

/** Checks a `generate:` entry (already schema-checked for shape) and compiles it; problems instead when it cannot be. */
export function compileGenerator(
  entry: Data,
  userKey: UserKeyKind,
  interpolation: InterpolationAt = () => undefined,
): Generator | { problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const context: CompileContext = { problems, interpolation };
  const count = entry.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return { problems };
  const fields: [string, CompiledValue][] = [];
  for (const [field, value] of Object.entries(entry)) {
    if (field === 'count') continue;
    fields.push([
      field,
      TEMPLATED_FIELDS.includes(field) ? compileValue(value, [field], context) : { kind: 'copy', value },
    ]);
  }
  const path = keyPath(userKey);
  let keyValue: unknown = entry;
  for (const segment of path) keyValue = (keyValue as Data | undefined)?.[segment];
  const shownKey = userKey === 'emailAddress' ? 'emailAddresses[0]' : userKey;
  if (typeof keyValue !== 'string') {
    problems.push({
      path: [],
      code: 'generated_key_missing',
      message: `generated users have no ${shownKey}, the user key (settings.userKey: ${userKey})`,
      hint: `Give the template a ${shownKey} with {i} in it, like "load-{i:04}", so each user has its own key.`,
    });
  } else {
    const compiled = compileString(keyValue);
    if (!('problem' in compiled) && !compiled.indexed && count > 1) {
      problems.push({
        path,
        code: 'generated_key_not_unique',
        message: `the user key ${shownKey} ${JSON.stringify(keyValue)} has no {i}: all ${count} generated users would have the same key`,
        hint: `Put {i} (or {i:04}) in ${shownKey}, like "load-{i:04}", so each user has its own key.`,
      });
    }
  }
  if (problems.length > 0) return { problems };
  const keyTemplate = keyValue as string;
  const base = seedOf(keyTemplate);
  return {
    count,
    keyTemplate,
    user: (i, environment) => {
      const user: Data = {};
      const expansion: Expansion = { i, base, environment };
      for (const [field, value] of fields) user[field] = expandValue(value, expansion);
      return user;
    },
  };
}

/** A field's schema with the checks a template string cannot pass before expansion (patterns, formats, lengths). */
function templatedSchema(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'pattern' || keyword === 'format' || keyword === 'maxLength') continue;
    out[keyword] = keyword === 'items' && isPlainObject(value) ? templatedSchema(value) : value;
  }
  return out;
}

/** The JSON Schema of one `generate:` entry: a count and the user fields, templated ones without their patterns. */
export function generatorSchema() {
  const properties: Record<string, unknown> = {
    count: {
      title: 'Count',
      description: `How many users to generate; {i} runs from 1 to count. At most ${thousands(GENERATE_LIMIT)} generated users in all.`,
      type: 'integer',
      minimum: 1,
      maximum: GENERATE_LIMIT,
    },
  };
  for (const row of USER_FIELDS) {
    properties[row.name] = TEMPLATED_FIELDS.includes(row.name)
      ? { ...templatedSchema(row.schema), description: `${row.schema.description} May hold placeholders.` }
      : row.schema;
  }
  return {
    title: 'User generator',
    description: `count users from one template. Strings of ${TEMPLATED_FIELDS.join(', ')} may hold placeholders, expanded per user (after \${VAR}): {i}, {i:04}, ${FAKE_VALUE_NAMES.map((name) => `{${name}}`).join(', ')}. The user key must hold {i}. Each expanded user is checked like a declared one.`,
    type: 'object',
    additionalProperties: false,
    required: ['count'],
    properties,
  } as const;
}
