// publicPlan and redactText: every value read from the environment is shown by reference wherever it stands as a
// whole value (fields, list items, metadata leaves, patch values, bodies, before-values, keys, labels, id segments),
// private metadata values are masked with their keys kept, the result parses as a plan and is idempotent, and text
// redaction replaces whole words only.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { plannedRequests } from '../../src/apply/index.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import type { DesiredState, LiveSnapshot } from '../../src/model/index.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  type Disclosure,
  disclosureOf,
  NOTHING_TO_HIDE,
  type Operation,
  type Plan,
  PRIVATE_VALUE,
  publicPlan,
  redactText,
  replaceWholeValue,
  serializePlan,
} from '../../src/plan/index.ts';
import { parsePlan } from '../../src/plan/read-plan.ts';
import { planOf } from '../apply/builders.ts';
import { liveMembership, liveOrg, liveUser, MARK, snapshot } from './builders.ts';

const CANARY = `cn${randomBytes(6).toString('hex')}`;
const DIGITS = String(100_000_000 + (randomBytes(4).readUInt32BE() % 900_000_000));

/** Every string field the manifest has, read from ${CANARY} (phones from ${DIGITS}). */
const MANIFEST = `apiVersion: clerk-sync/v1
organizations:
  - slug: s${'${CANARY}'}
    name: Org ${'${CANARY}'}
  - slug: acme
    name: ${'${CANARY}'}
users:
  - externalId: ${'${CANARY}'}
    emailAddresses: ["${'${CANARY}'}@example.test"]
    phoneNumbers: ["+1555${'${DIGITS}'}"]
    username: u${'${CANARY}'}
    firstName: ${'${CANARY}'}
    lastName: ${'${CANARY}'}
    publicMetadata: {a: "${'${CANARY}'}", list: ["${'${CANARY}'}"]}
    privateMetadata: {b: "${'${CANARY}'}", n: 4711}
    unsafeMetadata: {c: "${'${CANARY}'}"}
    memberships: [{org: "s${'${CANARY}'}", role: "org:admin"}]
  - externalId: emp-1
    emailAddresses: ["x${'${CANARY}'}@example.test"]
    phoneNumbers: ["+1556${'${DIGITS}'}"]
    username: v${'${CANARY}'}
    firstName: ${'${CANARY}'}
    publicMetadata: {a: "${'${CANARY}'}"}
    privateMetadata: {b: "${'${CANARY}'}"}
    unsafeMetadata: {c: "${'${CANARY}'}"}
    memberships: [{org: acme, role: "org:admin"}]
`;

function desiredFrom(text: string, env: Record<string, string>): DesiredState {
  const result = parseManifest([{ file: 'users.yaml', text }], { env });
  if (!result.desired) throw new Error(JSON.stringify(result.diagnostics, null, 2));
  return result.desired;
}

/** Live: acme under another name, emp-1 with other values, a member of acme. */
const LIVE: LiveSnapshot = snapshot({
  organizations: [liveOrg('org_acme', 'acme', 'Acme Old')],
  users: [
    liveUser('user_1', {
      externalId: 'emp-1',
      emails: ['old@example.test'],
      username: 'olduser',
      firstName: 'Old',
      publicMetadata: { a: 'old' },
      privateMetadata: { b: 'old-private', ...MARK },
      unsafeMetadata: { c: 'old' },
    }),
  ],
  memberships: [liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:member')],
});

function canaryPlan(): { plan: Plan; desired: DesiredState } {
  const desired = desiredFrom(MANIFEST, { CANARY, DIGITS });
  const { plan, errors } = createPlan(desired, LIVE, DEFAULT_PLAN_OPTIONS);
  expect(errors).toEqual([]);
  return { plan, desired };
}

describe('publicPlan', () => {
  it('shows no environment value anywhere, and every one by reference', () => {
    const { plan, desired } = canaryPlan();
    // The plan itself carries the values (apply executes it): the test would prove nothing otherwise.
    expect(JSON.stringify(plan)).toContain(CANARY);
    expect(JSON.stringify(plan)).toContain(DIGITS);
    const text = serializePlan(publicPlan(plan, disclosureOf(desired, [])));
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(DIGITS);
    for (const reference of [
      '(from ${CANARY})',
      '(from s${CANARY})',
      '(from Org ${CANARY})',
      '(from ${CANARY}@example.test)',
      '(from x${CANARY}@example.test)',
      '(from u${CANARY})',
      '(from +1555${DIGITS})',
    ]) {
      expect(text).toContain(JSON.stringify(reference).slice(1, -1));
    }
  });

  it('replaces keys, labels and id segments, and keeps the plan one apply would parse', () => {
    const { plan, desired } = canaryPlan();
    const shown = publicPlan(plan, disclosureOf(desired, []));
    const membership = shown.operations.find((op) => op.type === 'create_membership');
    expect(membership?.id).toBe('create_membership:(from s${CANARY})/(from ${CANARY})');
    expect(membership?.dependsOn).toContain('create_user:(from ${CANARY})');
    const created = shown.operations.find((op) => op.type === 'create_user');
    expect(created?.type === 'create_user' && created.user).toEqual({
      key: '(from ${CANARY})',
      userId: null,
      label: '(from ${CANARY}@example.test)',
    });
    expect(parsePlan(serializePlan(shown)).operations.map((op) => op.id)).toEqual(shown.operations.map((op) => op.id));
  });

  it('names a value by reference whether it changed or not, before-values included', () => {
    const desired = desiredFrom(
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-1
    firstName: \${NEW}
    lastName: Same
`,
      { NEW: 'Newname', OLD: 'Oldname' },
    );
    // The live first name equals another variable's value: shown by reference too.
    const withOld: DesiredState = {
      ...desired,
      fromEnvironment: [...(desired.fromEnvironment ?? []), { value: 'Oldname', variables: ['OLD'] }],
    };
    const live = snapshot({
      users: [liveUser('user_1', { externalId: 'emp-1', firstName: 'Oldname', lastName: 'Same' })],
    });
    const { plan } = createPlan(withOld, live, DEFAULT_PLAN_OPTIONS);
    const update = publicPlan(plan, disclosureOf(withOld, [])).operations[0];
    expect(update?.type === 'update_user' && update.changes).toEqual({
      firstName: { before: '(from ${OLD})', after: '(from ${NEW})' },
    });
  });

  it('masks every private metadata value, keys kept, in attributes, changes, patches and bodies', () => {
    const { plan, desired } = canaryPlan();
    const shown = publicPlan(plan, disclosureOf(desired, ['CANARY']));
    const created = shown.operations.find((op) => op.type === 'create_user');
    expect(created?.type === 'create_user' && created.attributes.privateMetadata).toEqual({
      b: PRIVATE_VALUE,
      n: PRIVATE_VALUE,
      clerkSync: { managedBy: PRIVATE_VALUE },
    });
    const metadata = shown.operations.find((op) => op.type === 'update_metadata');
    if (metadata?.type !== 'update_metadata') throw new Error('no metadata update');
    expect(metadata.changes.privateMetadata).toEqual({
      before: { b: PRIVATE_VALUE, clerkSync: { managedBy: PRIVATE_VALUE } },
      after: { b: PRIVATE_VALUE, clerkSync: { managedBy: PRIVATE_VALUE } },
      patch: [{ op: 'replace', path: '/b', value: PRIVATE_VALUE }],
    });
    expect(metadata.body.private_metadata).toEqual({ b: PRIVATE_VALUE, clerkSync: { managedBy: PRIVATE_VALUE } });
    expect(JSON.stringify(shown)).not.toContain('old-private');
    expect(JSON.stringify(shown)).not.toContain('4711');
    // Shown variables are shown: the public metadata value is the canary itself.
    expect(metadata.body.public_metadata).toEqual({ a: CANARY });
  });

  it('gives dry-run requests (apply --dry-run) that hold no environment value', () => {
    const { plan, desired } = canaryPlan();
    expect(JSON.stringify(plannedRequests(plan))).toContain(CANARY);
    const requests = plannedRequests(publicPlan(plan, disclosureOf(desired, [])));
    expect(requests).toHaveLength(plan.operations.length);
    expect(JSON.stringify(requests)).not.toContain(CANARY);
    expect(JSON.stringify(requests)).not.toContain(DIGITS);
    expect(JSON.stringify(requests)).toContain('<id of create_user:(from ${CANARY})>');
  });

  it('keeps the nulls of a merge body (they delete keys), masking the rest', () => {
    const op: Operation = {
      id: 'update_metadata:emp-1',
      type: 'update_metadata',
      user: { key: 'emp-1', userId: 'user_1' },
      mode: 'merge',
      changes: {
        privateMetadata: {
          before: { gone: 'x', kept: 'y' },
          after: { kept: 'z' },
          patch: [
            { op: 'remove', path: '/gone' },
            { op: 'replace', path: '/kept', value: 'z' },
          ],
        },
      },
      body: { private_metadata: { gone: null, kept: 'z' } },
      dependsOn: [],
    };
    const shown = publicPlan(planOf([op]), NOTHING_TO_HIDE).operations[0];
    expect(shown?.type === 'update_metadata' && shown.body).toEqual({
      private_metadata: { gone: null, kept: PRIVATE_VALUE },
    });
    expect(shown?.type === 'update_metadata' && shown.changes.privateMetadata?.patch).toEqual([
      { op: 'remove', path: '/gone' },
      { op: 'replace', path: '/kept', value: PRIVATE_VALUE },
    ]);
  });

  it('shows a variable the command line allows, and only that one', () => {
    const { plan, desired } = canaryPlan();
    const text = serializePlan(publicPlan(plan, disclosureOf(desired, ['CANARY'])));
    expect(text).toContain(`"firstName": "${CANARY}"`);
    expect(text).not.toContain(DIGITS);
    expect(text).toContain('(from +1555${DIGITS})');
  });

  it('is deterministic and idempotent', () => {
    const { plan, desired } = canaryPlan();
    const disclosure = disclosureOf(desired, []);
    const once = publicPlan(plan, disclosure);
    expect(publicPlan(once, disclosure)).toEqual(once);
    // A fresh load of the same manifest names the values the same way (a saved plan is compared so).
    const again = canaryPlan();
    expect(serializePlan(publicPlan(again.plan, disclosureOf(again.desired, [])))).toBe(serializePlan(once));
  });

  it('gives values written alike distinct names, so operation ids stay unique', () => {
    const desired = desiredFrom(
      `apiVersion: clerk-sync/v1
settings: {userKey: emailAddress}
users:
  - emailAddresses: ["alice@\${DOMAIN}"]
  - emailAddresses: ["bob@\${DOMAIN}"]
  - emailAddresses: ["\${A:-carol@x.test}"]
  - emailAddresses: ["\${A:-dave@x.test}"]
`,
      { DOMAIN: 'corp.test' },
    );
    const { plan } = createPlan(desired, snapshot(), DEFAULT_PLAN_OPTIONS);
    const shown = publicPlan(plan, disclosureOf(desired, []));
    const keys = shown.operations.filter((op) => op.type === 'create_user').map((op) => op.user.key);
    expect(keys.sort()).toEqual(['(from ${A} #2)', '(from ${A})', '(from alice@${DOMAIN})', '(from bob@${DOMAIN})']);
    expect(() => parsePlan(serializePlan(shown))).not.toThrow();
  });

  it('names the warnings\u2019 values too', () => {
    const plan: Plan = {
      ...planOf([]),
      warnings: [{ code: 'x', severity: 'warning', message: `user ${CANARY} is odd`, hint: `ask ${CANARY}` }],
    };
    const disclosure: Disclosure = { fromEnvironment: [{ value: CANARY, variables: ['C'] }], shownVariables: [] };
    expect(publicPlan(plan, disclosure).warnings).toEqual([
      { code: 'x', severity: 'warning', message: 'user (from ${C}) is odd', hint: 'ask (from ${C})' },
    ]);
  });
});

describe('redactText', () => {
  const disclosure = (value: string, variables = ['V'], template?: string): Disclosure => ({
    fromEnvironment: [{ value, variables, ...(template === undefined ? {} : { template }) }],
    shownVariables: [],
  });

  it('replaces whole words, never a part of another word', () => {
    const short = disclosure('short');
    expect(redactText('form_password_length_too_short', short)).toBe('form_password_length_too_short');
    expect(redactText('shortcut shorts', short)).toBe('shortcut shorts');
    expect(redactText('password "short" is too short.', short)).toBe('password "(from ${V})" is too (from ${V}).');
    expect(redactText('short', short)).toBe('(from ${V})');
    expect(redactText('émile', disclosure('mile'))).toBe('émile');
  });

  it('matches values that start or end with punctuation wherever they stand', () => {
    expect(redactText('phone x+15551234 taken', disclosure('+15551234'))).toBe('phone x(from ${V}) taken');
    expect(redactText('user a@b.test.', disclosure('a@b.test'))).toBe('user (from ${V}).');
  });

  it('prefers the longest value and leaves references alone on a second pass', () => {
    const both: Disclosure = {
      fromEnvironment: [
        { value: 'bob', variables: ['NAME'], template: '${NAME}' },
        { value: 'bob@corp.test', variables: ['DOMAIN'], template: 'bob@${DOMAIN}' },
      ],
      shownVariables: [],
    };
    const once = redactText('bob@corp.test and bob', both);
    expect(once).toBe('(from bob@${DOMAIN}) and (from ${NAME})');
    expect(redactText(once, both)).toBe(once);
  });

  it('leaves text alone when nothing is hidden', () => {
    expect(redactText('short', { ...disclosure('short'), shownVariables: ['V'] })).toBe('short');
    expect(redactText('short', NOTHING_TO_HIDE)).toBe('short');
  });
});

describe('replaceWholeValue', () => {
  it('replaces a password only where it stands alone', () => {
    expect(replaceWholeValue('form_password_length_too_short: short', 'short', '[redacted]')).toBe(
      'form_password_length_too_short: [redacted]',
    );
  });
});
