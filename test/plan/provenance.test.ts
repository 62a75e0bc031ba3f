// Provenance (src/plan/provenance.ts): a plan of a manifest with overlays says which file and line set each value
// it changes, and every view shows it; a plan of a manifest without overlays carries none (its operations' source
// already names the one place each user is declared).

import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/index.ts';
import type { DesiredState } from '../../src/model/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS, type Plan, presentPlan, renderPlanMarkdown } from '../../src/plan/index.ts';
import { lineField } from '../../src/plan/provenance.ts';
import { renderPlanText } from '../../src/ui/index.ts';
import { liveUser, MARK, snapshot } from './builders.ts';

const BASE = `apiVersion: clerk-sync/v1
users:
  - externalId: emp-1
    emailAddresses: [alice@acme.test]
    firstName: Alice
    lastName: Doe
    publicMetadata: {team: platform}
`;

const OVERLAY = `apiVersion: clerk-sync/v1
overlay: true
users:
  emp-1:
    lastName: Prod
    publicMetadata: {team: prod}
`;

const LIVE = snapshot({
  users: [
    liveUser('user_1', {
      externalId: 'emp-1',
      emails: ['alice@acme.test'],
      firstName: 'Alicia',
      lastName: 'Doe',
      publicMetadata: { team: 'platform' },
      privateMetadata: MARK,
    }),
  ],
});

function plan(files: { file: string; text: string }[]): Plan {
  const result = parseManifest(files, { env: {} });
  expect(result.diagnostics).toEqual([]);
  return createPlan(result.desired as DesiredState, LIVE, DEFAULT_PLAN_OPTIONS).plan;
}

describe('provenance', () => {
  it('maps each changed field to the file and line that set it, base or overlay', () => {
    const { operations } = plan([
      { file: 'base.yaml', text: BASE },
      { file: 'prod.yaml', text: OVERLAY },
    ]);
    const byId = Object.fromEntries(operations.map((op) => [op.id, op.provenance]));
    expect(byId).toEqual({
      'update_user:emp-1': {
        firstName: { file: 'base.yaml', line: 5 },
        lastName: { file: 'prod.yaml', line: 5 },
      },
      'update_metadata:emp-1': { publicMetadata: { file: 'prod.yaml', line: 6 } },
    });
  });

  it('is shown next to each changed value in the text and Markdown views', () => {
    const presented = presentPlan(
      plan([
        { file: 'base.yaml', text: BASE },
        { file: 'prod.yaml', text: OVERLAY },
      ]),
    );
    const lines = presented.groups.flatMap((group) => group.operations.flatMap((op) => op.lines));
    expect(lines.map((line) => [line.label, line.setBy])).toEqual([
      ['firstName', 'base.yaml:5'],
      ['lastName', 'prod.yaml:5'],
      ['publicMetadata.team', 'prod.yaml:6'],
    ]);
    const markdown = renderPlanMarkdown(
      plan([
        { file: 'base.yaml', text: BASE },
        { file: 'prod.yaml', text: OVERLAY },
      ]),
    );
    expect(markdown).toContain('+ lastName: "Prod"   (set by prod.yaml:5)');
    expect(markdown).toContain('- lastName: "Doe"\n');
  });

  it('is shown by the Ink view, wrapped or not', async () => {
    const presented = presentPlan(
      plan([
        { file: 'base.yaml', text: BASE },
        { file: 'prod.yaml', text: OVERLAY },
      ]),
    );
    for (const columns of [200, 60]) {
      const text = (await renderPlanText(presented, { color: false, columns })).replace(/\s+/g, ' ');
      expect(text).toContain('lastName: "Doe" -> "Prod" (set by prod.yaml:5)');
    }
  });

  it("never attributes clerk-sync's own mark to a manifest file", () => {
    const presented = presentPlan(
      plan([
        { file: 'base.yaml', text: BASE },
        {
          file: 'prod.yaml',
          text: 'apiVersion: clerk-sync/v1\noverlay: true\nadd:\n  users:\n    - externalId: emp-9\n      privateMetadata: {b: 1}\n',
        },
      ]),
    );
    const created = presented.groups.find((group) => group.title.startsWith('user emp-9'));
    const lines = created?.operations.flatMap((op) => op.lines.map((line) => [line.label, line.setBy]));
    expect(lines).toEqual([
      ['externalId', 'prod.yaml:5'],
      ['privateMetadata.b', 'prod.yaml:6'],
      ['privateMetadata.clerkSync.managedBy', undefined],
    ]);
  });

  it('is left out without overlays, even with several files', () => {
    const one = plan([{ file: 'base.yaml', text: BASE }]);
    expect(one.operations.length).toBeGreaterThan(0);
    expect(one.operations.every((op) => op.provenance === undefined)).toBe(true);
    const two = plan([
      { file: 'base.yaml', text: BASE },
      { file: 'more.yaml', text: 'apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-2\n' },
    ]);
    expect(two.operations.every((op) => op.provenance === undefined)).toBe(true);
  });

  it('finds the field of every line label the views print', () => {
    expect(
      [
        'membership acme',
        'emailAddress (primary)',
        'primaryEmailAddress',
        'phoneNumber',
        'primaryPhoneNumber',
        'publicMetadata.a.b',
        'name',
      ].map(lineField),
    ).toEqual([
      'memberships',
      'emailAddresses',
      'emailAddresses',
      'phoneNumbers',
      'phoneNumbers',
      'publicMetadata',
      'name',
    ]);
  });
});
