// Organization publicMetadata / privateMetadata, added as two rows of the organization table
// (src/fields/organization-fields.ts): declared in the manifest (the mark's key reserved), created with the
// organization, replaced or merged like a user's, clerk-sync's mark always kept, private values masked in output.

import { describe, expect, it } from 'vitest';
import { toRequest } from '../../src/apply/to-request.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import type { DesiredOrganization, MetadataMode } from '../../src/model/index.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  isDestructive,
  NOTHING_TO_HIDE,
  type Operation,
  presentPlan,
  publicPlan,
  serializePlan,
} from '../../src/plan/index.ts';
import { parsePlan } from '../../src/plan/read-plan.ts';
import { desiredState, liveOrg, org, snapshot } from '../plan/builders.ts';

const ids = { userIdForKey: () => undefined, organizationIdForSlug: () => 'org_new' };
const noSecrets = () => undefined;
const MARK = { clerkSync: { key: 'acme' } };

function declared(fields: Partial<DesiredOrganization>): DesiredOrganization {
  return { ...org('acme', 'Acme'), ...fields };
}

function plan(organization: DesiredOrganization, live = snapshot(), mode: MetadataMode = 'replace') {
  return createPlan(
    desiredState([], { organizations: [organization], settings: { metadataMode: mode } }),
    live,
    DEFAULT_PLAN_OPTIONS,
  ).plan;
}

function only(operations: Operation[]): Operation {
  expect(operations).toHaveLength(1);
  return operations[0] as Operation;
}

describe('organization metadata in the manifest', () => {
  it('is read as declared; absent stays unmanaged', () => {
    const text = `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme
    publicMetadata: { tier: gold }
    privateMetadata: { crm: 'crm-4711' }
  - slug: globex
    name: Globex
`;
    const result = parseManifest([{ file: 'o.yaml', text }], { env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.organizations[0]).toMatchObject({
      publicMetadata: { tier: 'gold' },
      privateMetadata: { crm: 'crm-4711' },
    });
    expect(result.desired?.organizations[1]).not.toHaveProperty('publicMetadata');
  });

  it("refuses clerk-sync's mark key in private metadata, at its line", () => {
    const text = `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme
    privateMetadata:
      clerkSync: { key: other }
`;
    const result = parseManifest([{ file: 'o.yaml', text }], { env: {} });
    expect(result.diagnostics.map((d) => [d.code, d.line])).toEqual([['reserved_metadata_key', 6]]);
  });
});

describe('organization metadata in the plan', () => {
  it('a created organization carries it; the request adds the mark; private values are masked', () => {
    const created = plan(declared({ publicMetadata: { tier: 'gold' }, privateMetadata: { crm: 'crm-4711' } }));
    const op = only(created.operations);
    expect(op).toMatchObject({
      type: 'create_organization',
      publicMetadata: { tier: 'gold' },
      privateMetadata: { crm: 'crm-4711' },
    });
    expect(toRequest(op, ids, noSecrets).body).toEqual({
      name: 'Acme',
      slug: 'acme',
      public_metadata: { tier: 'gold' },
      private_metadata: { crm: 'crm-4711', ...MARK },
    });
    const lines = presentPlan(created).groups.flatMap((group) => group.operations.flatMap((o) => o.lines));
    expect(lines).toContainEqual({ symbol: '+', label: 'publicMetadata.tier', after: '"gold"' });
    expect(lines).toContainEqual({ symbol: '+', label: 'privateMetadata.crm', after: '(sensitive)', sensitive: true });
    expect(JSON.stringify(publicPlan(created, NOTHING_TO_HIDE))).not.toContain('crm-4711');
    expect(parsePlan(serializePlan(created)).operations).toEqual(created.operations);
  });

  it('replace mode: one PUT of the whole object, the mark kept; the same value plans nothing', () => {
    const live = snapshot({
      organizations: [liveOrg('org_1', 'acme', 'Acme', { key: 'acme', privateMetadata: { ...MARK, old: true } })],
    });
    const op = only(plan(declared({ privateMetadata: { crm: 'crm-4711' } }), live).operations);
    expect(op).toMatchObject({
      type: 'update_organization_metadata',
      mode: 'replace',
      changes: { privateMetadata: { before: { ...MARK, old: true }, after: { crm: 'crm-4711', ...MARK } } },
    });
    expect(toRequest(op, ids, noSecrets)).toEqual({
      method: 'PUT',
      path: '/organizations/org_1/metadata',
      body: { private_metadata: { crm: 'crm-4711', ...MARK } },
    });
    const same = snapshot({
      organizations: [liveOrg('org_1', 'acme', 'Acme', { key: 'acme', privateMetadata: { crm: 'crm-4711', ...MARK } })],
    });
    expect(plan(declared({ privateMetadata: { crm: 'crm-4711' } }), same).operations).toEqual([]);
    // Removing a key loses data: the operation runs in the destructive phases; its private values never show.
    expect(isDestructive(op)).toBe(true);
    expect(
      JSON.stringify(publicPlan(plan(declared({ privateMetadata: { crm: 'crm-4711' } }), live), NOTHING_TO_HIDE)),
    ).not.toContain('crm-4711');
  });

  it('merge mode: one PATCH of the declared keys only; other live keys stay', () => {
    const live = snapshot({
      organizations: [liveOrg('org_1', 'acme', 'Acme', { publicMetadata: { tier: 'silver', region: 'eu' } })],
    });
    const op = only(plan(declared({ publicMetadata: { tier: 'gold' } }), live, 'merge').operations);
    expect(toRequest(op, ids, noSecrets)).toEqual({
      method: 'PATCH',
      path: '/organizations/org_1/metadata',
      body: { public_metadata: { tier: 'gold' } },
    });
    expect(op).toMatchObject({ changes: { publicMetadata: { after: { tier: 'gold', region: 'eu' } } } });
  });

  it('an organization adopted by name in replace mode writes its new mark in the same PUT, after the mark operation', () => {
    const live = snapshot({ organizations: [liveOrg('org_1', null, 'Acme', { privateMetadata: { old: 1 } })] });
    const operations = plan(declared({ privateMetadata: { crm: 'crm-4711' } }), live).operations;
    expect(operations.map((op) => op.type)).toEqual(['mark_organization', 'update_organization_metadata']);
    const update = operations[1] as Operation;
    expect(update.dependsOn).toEqual(['mark_organization:acme']);
    expect(toRequest(update, ids, noSecrets).body).toEqual({ private_metadata: { crm: 'crm-4711', ...MARK } });
  });
});
