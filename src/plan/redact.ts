// What a plan may show: values read from the environment appear by reference (`(from ${NAME})`) unless the command
// line allows that variable, and private metadata values never appear in a plan file or artifact. Every rendering
// (text, JSON, Markdown, annotations, --out) is made from publicPlan(plan); apply executes the plan itself.
// Whole values only: a field, list item or metadata leaf equal to a hidden value, a `:`/`/`-delimited segment of an
// operation id, a whole word of a message; never a substring of another word.

import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import { USER_PROFILE_FIELDS, type UserProfileField } from '../fields/user-fields.ts';
import { type EnvironmentName, environmentNames } from '../manifest/environment.ts';
import type { DesiredState, EnvironmentValue, JsonObject, JsonValue, MetadataField } from '../model/index.ts';
import { setOwn } from '../util/json.ts';
import type { JsonPatchOperation, MetadataChange, Operation, OrgRef, Plan, PlanWarning, UserRef } from './types.ts';

export interface Disclosure {
  /** Resolved manifest strings that read the environment. */
  fromEnvironment: readonly EnvironmentValue[];
  /** Variables the command line allows to be shown (`--show-env NAME`). */
  shownVariables: readonly string[];
}

export const NOTHING_TO_HIDE: Disclosure = Object.freeze({ fromEnvironment: [], shownVariables: [] });

/** What stands for each value of private metadata: the keys stay, so reviewers see which keys change. */
export const PRIVATE_VALUE = '(private)';

export function disclosureOf(desired: DesiredState, shownVariables: readonly string[]): Disclosure {
  return { fromEnvironment: desired.fromEnvironment ?? [], shownVariables };
}

const allHidden = new WeakMap<Disclosure, Disclosure>();

/** The same values, none shown: what journals and diagnostics use, whatever --show-env says. Memoised (one hider). */
export function hidingAll(disclosure: Disclosure): Disclosure {
  if (disclosure.shownVariables.length === 0) return disclosure;
  let hidden = allHidden.get(disclosure);
  if (!hidden) {
    hidden = { fromEnvironment: disclosure.fromEnvironment, shownVariables: [] };
    allHidden.set(disclosure, hidden);
  }
  return hidden;
}

/** How much of an operation is made public. */
export interface RedactionOptions {
  /** mask: every private metadata value becomes PRIVATE_VALUE. keep: as is (a local journal needs them for undo). */
  privateMetadata: 'mask' | 'keep';
  /** redact: before-images are named like any value. keep: as is (undo sends them back). */
  beforeImages: 'redact' | 'keep';
}

const PUBLIC: RedactionOptions = { privateMetadata: 'mask', beforeImages: 'redact' };

/** The plan as every output shows it. Deterministic and idempotent: publicPlan(publicPlan(p)) equals publicPlan(p). */
export function publicPlan(plan: Plan, disclosure: Disclosure): Plan {
  const hider = hiderFor(disclosure);
  return {
    ...plan,
    operations: plan.operations.map((op) => redactOperation(op, hider, PUBLIC)),
    warnings: plan.warnings.map((warning) => publicWarning(warning, hider)),
    ...(plan.target === undefined
      ? {}
      : {
          target: {
            targets: plan.target.targets.map((target) => hider.id(target)),
            leftOut: plan.target.leftOut.map((id) => hider.id(id)),
          },
        }),
    // Policy messages quote keys and addresses, some read from the environment.
    ...(plan.policies === undefined
      ? {}
      : {
          policies: {
            protectedUsers: plan.policies.protectedUsers.map((key) => hider.value(key)),
            results: plan.policies.results.map((result) => ({
              ...result,
              subject: hider.text(result.subject),
              message: hider.text(result.message),
            })),
          },
        }),
  };
}

/** One operation made public (PUBLIC) or as a local journal keeps it (before-images and private metadata kept). */
export function publicOperation(op: Operation, disclosure: Disclosure, options: RedactionOptions = PUBLIC): Operation {
  return redactOperation(op, hiderFor(disclosure), options);
}

/** An operation id with every segment (between `:` and `/`) that is a hidden value replaced by its reference. */
export function publicOperationId(id: string, disclosure: Disclosure): string {
  return hiderFor(disclosure).id(id);
}

/** A whole value (a user key, a name) as operations show it: its reference when it was read from the environment. */
export function publicValue(value: string, disclosure: Disclosure): string {
  return hiderFor(disclosure).value(value);
}

/** A message with every environment value that appears in it as a whole word replaced by its reference. */
export function redactText(text: string, disclosure: Disclosure): string {
  return hiderFor(disclosure).text(text);
}

/**
 * `text` with each whole-word occurrence of `secret` replaced by `replacement`: a password `short` leaves the code
 * `form_password_length_too_short` alone.
 */
export function replaceWholeValue(text: string, secret: string, replacement: string): string {
  if (secret === '' || !text.includes(secret)) return text;
  return replaceWhole(text, new Map([[secret, replacement]]), [secret.length]);
}

/** Private metadata as artifacts show it: keys and nulls kept (null deletes a key in a merge), every value masked. */
export function maskPrivate(value: JsonValue): JsonValue {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(maskPrivate);
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, maskPrivate(item));
    return out;
  }
  return PRIVATE_VALUE;
}

function publicWarning(warning: PlanWarning, hider: Hider): PlanWarning {
  return {
    ...warning,
    message: hider.text(warning.message),
    ...(warning.hint === undefined ? {} : { hint: hider.text(warning.hint) }),
  };
}

// ---- the hider: hidden value -> reference, built once per disclosure ----

const hiders = new WeakMap<Disclosure, Hider>();

function hiderFor(disclosure: Disclosure): Hider {
  let hider = hiders.get(disclosure);
  if (!hider) {
    hider = new Hider(disclosure);
    hiders.set(disclosure, hider);
  }
  return hider;
}

class Hider {
  /** Hidden value -> its reference; references map to themselves, so a second pass leaves them alone. */
  private readonly names = new Map<string, string>();
  /** Distinct lengths of the keys of `names`, longest first (the longest match wins). */
  private readonly lengths: number[];
  private readonly hidden: number;

  constructor(disclosure: Disclosure) {
    const shown = new Set(disclosure.shownVariables);
    const all: Map<string, EnvironmentName> = environmentNames(disclosure.fromEnvironment);
    let hidden = 0;
    for (const [value, name] of all) {
      if (name.variables.every((variable) => shown.has(variable))) continue;
      this.names.set(value, name.reference);
      hidden += 1;
    }
    this.hidden = hidden;
    if (hidden > 0) for (const name of all.values()) this.names.set(name.reference, name.reference);
    this.lengths = [...new Set([...this.names.keys()].map((key) => key.length))].sort((a, b) => b - a);
  }

  get empty(): boolean {
    return this.hidden === 0;
  }

  value(text: string): string {
    return this.hidden === 0 ? text : (this.names.get(text) ?? text);
  }

  nullable(text: string | null): string | null {
    return text === null ? null : this.value(text);
  }

  json(value: JsonValue): JsonValue {
    if (this.hidden === 0 || value === null) return value;
    if (typeof value === 'string') return this.value(value);
    if (Array.isArray(value)) return value.map((item) => this.json(item));
    if (typeof value === 'object') {
      const out: JsonObject = {};
      for (const [key, item] of Object.entries(value)) setOwn(out, key, this.json(item));
      return out;
    }
    return value;
  }

  /** `create_membership:acme/emp-001`: the type stays; each run of segments that is a hidden value is replaced. */
  id(id: string): string {
    if (this.hidden === 0) return id;
    const colon = id.indexOf(':');
    if (colon < 0) return id;
    const parts = id.slice(colon + 1).split(/([:/#])/);
    let out = id.slice(0, colon + 1);
    // parts alternate segment, delimiter, segment...; a value may itself hold delimiters: longest run first.
    let index = 0;
    while (index < parts.length) {
      let next = index + 1;
      let replacement = parts[index] as string;
      for (let end = parts.length - 1; end > index; end -= 2) {
        const run = parts.slice(index, end + 1).join('');
        const name = this.names.get(run);
        if (name !== undefined) {
          replacement = name;
          next = end + 1;
          break;
        }
      }
      if (next === index + 1) replacement = this.value(parts[index] as string);
      out += replacement;
      if (next < parts.length) out += parts[next] as string;
      index = next + 1;
    }
    return out;
  }

  text(text: string): string {
    if (this.hidden === 0) return text;
    return replaceWhole(text, this.names, this.lengths);
  }
}

const WORD = /[\p{L}\p{N}_]/u;

function isWordAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const code = text.charCodeAt(index);
  if (code < 128) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  }
  return WORD.test(text[index] as string);
}

/**
 * Replaces, left to right and longest first, each key of `names` that stands in `text` as a whole word: not
 * preceded by a word character where it starts with one, not followed by one where it ends with one.
 */
function replaceWhole(text: string, names: ReadonlyMap<string, string>, lengths: readonly number[]): string {
  let out = '';
  let copied = 0;
  let index = 0;
  while (index < text.length) {
    // Inside a word no match can start.
    if (isWordAt(text, index) && isWordAt(text, index - 1)) {
      index += 1;
      continue;
    }
    let matched = 0;
    for (const length of lengths) {
      const end = index + length;
      if (end > text.length) continue;
      if (isWordAt(text, end - 1) && isWordAt(text, end)) continue;
      const name = names.get(text.slice(index, end));
      if (name === undefined) continue;
      out += text.slice(copied, index) + name;
      copied = end;
      matched = length;
      break;
    }
    index += matched > 0 ? matched : 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

// ---- operations ----

function userRef(user: UserRef, hider: Hider): UserRef {
  return {
    ...user,
    key: user.key === null ? null : hider.value(user.key),
    ...(user.label === undefined ? {} : { label: hider.value(user.label) }),
  };
}

function orgRef(org: OrgRef, hider: Hider): OrgRef {
  return { ...org, slug: hider.value(org.slug) };
}

function metadataObject(field: MetadataField, value: JsonObject, hider: Hider, options: RedactionOptions): JsonObject {
  return (
    field === 'privateMetadata' && options.privateMetadata === 'mask' ? maskPrivate(value) : hider.json(value)
  ) as JsonObject;
}

function metadataChange(field: MetadataField, change: MetadataChange, hider: Hider, options: RedactionOptions) {
  const before = options.beforeImages === 'keep' ? change.before : metadataObject(field, change.before, hider, options);
  const patch = change.patch.map((operation): JsonPatchOperation => {
    if (operation.value === undefined) return operation;
    const value =
      field === 'privateMetadata' && options.privateMetadata === 'mask'
        ? maskPrivate(operation.value)
        : hider.json(operation.value);
    return { ...operation, value };
  });
  return { before, after: metadataObject(field, change.after, hider, options), patch };
}

const BODY_FIELD = {
  public_metadata: 'publicMetadata',
  private_metadata: 'privateMetadata',
  unsafe_metadata: 'unsafeMetadata',
} as const;

function holdsPrivateMetadata(op: Operation): boolean {
  if (op.type === 'create_user') return op.attributes.privateMetadata !== undefined;
  if (op.type === 'create_organization') return op.privateMetadata !== undefined;
  return (
    (op.type === 'update_metadata' || op.type === 'update_organization_metadata') &&
    op.changes.privateMetadata !== undefined
  );
}

function redactOperation(op: Operation, hider: Hider, options: RedactionOptions): Operation {
  // Nothing to name: only private metadata is masked (a copy per operation weighs at 100,000 users).
  if (hider.empty && (options.privateMetadata === 'keep' || !holdsPrivateMetadata(op))) return op;
  const common = { id: hider.id(op.id), dependsOn: op.dependsOn.map((id) => hider.id(id)) };
  const before = <T extends string | null>(value: T): T =>
    options.beforeImages === 'keep' ? value : (hider.nullable(value) as T);
  switch (op.type) {
    case 'create_organization':
      return {
        ...op,
        ...common,
        org: orgRef(op.org, hider),
        name: hider.value(op.name),
        slug: hider.nullable(op.slug),
        ...Object.fromEntries(
          ORGANIZATION_METADATA_FIELDS.flatMap(({ name }) => {
            const value = op[name];
            return value === undefined ? [] : [[name, metadataObject(name, value, hider, options)]];
          }),
        ),
      };
    case 'mark_organization':
      return { ...op, ...common, org: orgRef(op.org, hider), name: hider.value(op.name) };
    case 'update_organization':
      return {
        ...op,
        ...common,
        org: orgRef(op.org, hider),
        changes: { name: { before: before(op.changes.name.before), after: hider.value(op.changes.name.after) } },
      };
    case 'create_user': {
      const a = op.attributes;
      const attributes = { ...a };
      const profile = attributes as Partial<Record<UserProfileField, string | null>>;
      for (const { name } of USER_PROFILE_FIELDS) {
        const value = profile[name];
        if (value !== undefined) profile[name] = hider.nullable(value);
      }
      if (a.emailAddresses !== undefined) attributes.emailAddresses = a.emailAddresses.map((x) => hider.value(x));
      if (a.phoneNumbers !== undefined) attributes.phoneNumbers = a.phoneNumbers.map((x) => hider.value(x));
      for (const field of ['publicMetadata', 'privateMetadata', 'unsafeMetadata'] as const) {
        const value = a[field];
        if (value !== undefined) attributes[field] = metadataObject(field, value, hider, options);
      }
      return { ...op, ...common, user: userRef(op.user, hider), attributes };
    }
    case 'update_user': {
      const changes: typeof op.changes = {};
      for (const [field, change] of Object.entries(op.changes) as [
        keyof typeof op.changes,
        { before: string | null; after: string | null },
      ][]) {
        changes[field] = { before: before(change.before), after: hider.nullable(change.after) };
      }
      return { ...op, ...common, user: userRef(op.user, hider), changes };
    }
    case 'add_email_address':
      return { ...op, ...common, user: userRef(op.user, hider), emailAddress: hider.value(op.emailAddress) };
    case 'set_primary_email_address':
      return {
        ...op,
        ...common,
        user: userRef(op.user, hider),
        emailAddress: hider.value(op.emailAddress),
        before: before(op.before),
      };
    case 'remove_email_address':
      return { ...op, ...common, user: userRef(op.user, hider), emailAddress: before(op.emailAddress) };
    case 'add_phone_number':
      return { ...op, ...common, user: userRef(op.user, hider), phoneNumber: hider.value(op.phoneNumber) };
    case 'set_primary_phone_number':
      return {
        ...op,
        ...common,
        user: userRef(op.user, hider),
        phoneNumber: hider.value(op.phoneNumber),
        before: before(op.before),
      };
    case 'remove_phone_number':
      return { ...op, ...common, user: userRef(op.user, hider), phoneNumber: before(op.phoneNumber) };
    case 'update_metadata': {
      const changes: typeof op.changes = {};
      for (const [field, change] of Object.entries(op.changes) as [MetadataField, MetadataChange][]) {
        changes[field] = metadataChange(field, change, hider, options);
      }
      const body: typeof op.body = {};
      for (const [key, value] of Object.entries(op.body) as [keyof typeof op.body, JsonObject][]) {
        body[key] = metadataObject(BODY_FIELD[key], value, hider, options);
      }
      return { ...op, ...common, user: userRef(op.user, hider), changes, body };
    }
    case 'update_organization_metadata': {
      const changes: typeof op.changes = {};
      const body: typeof op.body = {};
      for (const { name, wire } of ORGANIZATION_METADATA_FIELDS) {
        const change = op.changes[name];
        if (change) changes[name] = metadataChange(name, change, hider, options);
        const sent = op.body[wire];
        if (sent) body[wire] = metadataObject(name, sent, hider, options);
      }
      return { ...op, ...common, org: orgRef(op.org, hider), changes, body };
    }
    case 'ban_user':
    case 'unban_user':
    case 'lock_user':
    case 'unlock_user':
      return { ...op, ...common, user: userRef(op.user, hider) };
    case 'create_membership':
      return {
        ...op,
        ...common,
        org: orgRef(op.org, hider),
        user: userRef(op.user, hider),
        role: hider.value(op.role),
      };
    case 'update_membership_role':
      return {
        ...op,
        ...common,
        org: orgRef(op.org, hider),
        user: userRef(op.user, hider),
        changes: { role: { before: before(op.changes.role.before), after: hider.value(op.changes.role.after) } },
      };
    case 'delete_membership':
      return { ...op, ...common, org: orgRef(op.org, hider), user: userRef(op.user, hider), role: before(op.role) };
    case 'delete_user':
      return { ...op, ...common, user: userRef(op.user, hider), label: hider.value(op.label) };
    default: {
      const unknown: never = op;
      return unknown;
    }
  }
}
