// Seeding through the hook, the option and the method; a 10k-user instance walked with starting_after in pages of
// 500 (request count from the stats); membership paging at scale; seed errors; the reset hook.

import { describe, expect, it } from 'vitest';
import type { WireCreateUserBody, WireOrganizationMembership, WirePage, WireUser } from '../../src/clerk/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorFetch, withEmulator } from '../helpers/emulator.ts';
import { firstError, specFetch } from './spec-fetch.ts';

const emu = withEmulator();

function users(count: number, prefix: string): WireCreateUserBody[] {
  return Array.from({ length: count }, (_, i) => ({
    external_id: `${prefix}-${i}`,
    email_address: [`${prefix}-${i}@seed.test`],
    first_name: `First${i}`,
    last_name: 'Seed',
    public_metadata: { index: i, team: i % 2 === 0 ? 'even' : 'odd' },
    ...(i % 10 === 0 ? { banned: true } : {}),
  }));
}

describe('seeding', () => {
  it('seeds 10,000 users, 20 organizations and 12,000 memberships through the hook', async () => {
    emu.reset();
    const organizations = Array.from({ length: 20 }, (_, i) => ({ name: `Org ${i}`, slug: `org-${i}` }));
    const memberships = Array.from({ length: 12_000 }, (_, i) => ({
      organization: `org-${i % 20}`,
      user: i < 10_000 ? `big-${i}` : `big-${i - 10_000}@seed.test`,
      role: i % 7 === 0 ? 'org:admin' : 'org:member',
    }));
    // Memberships 10000..11999 name users by email in the org after the one their first membership used.
    for (let i = 10_000; i < 12_000; i++) {
      const item = memberships[i];
      if (item) item.organization = `org-${(i - 10_000 + 1) % 20}`;
    }
    const response = await emulatorFetch(
      emu,
      'POST',
      '/__emulator/seed',
      { users: users(10_000, 'big'), organizations, memberships },
      { noAuth: true },
    );
    expect(response.status, response.text.slice(0, 300)).toBe(200);
    expect(response.body).toEqual({ users: 10_000, organizations: 20, memberships: 12_000 });
    expect((await specFetch(emu, 'GET', '/users/count', '/users/count')).body).toEqual({
      object: 'total_count',
      total_count: 10_000,
    });
    expect((await specFetch(emu, 'GET', '/users/count', '/users/count?banned=true')).body).toMatchObject({
      total_count: 1000,
    });
  });

  it('walks all users with starting_after in pages of 500: 21 requests, every user once', async () => {
    emu.resetStats();
    const seen = new Set<string>();
    let cursor: string | undefined;
    let last = Number.NEGATIVE_INFINITY;
    for (;;) {
      const response = await emulatorFetch(
        emu,
        'GET',
        `/users?limit=500&order_by=%2Bcreated_at${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      const page = response.body as WireUser[];
      for (const user of page) {
        expect(user.created_at).toBeGreaterThanOrEqual(last);
        last = user.created_at;
        seen.add(user.id);
      }
      if (page.length < 500) break;
      cursor = page[page.length - 1]?.id;
    }
    expect(seen.size).toBe(10_000);
    expect(emu.stats().byRoute['GET /v1/users']).toBe(21);
    // One page still matches the spec.
    await specFetch(emu, 'GET', '/users', '/users?limit=500');
  });

  it('pages instance-wide memberships by offset and per organization', async () => {
    const seen = new Set<string>();
    for (let offset = 0; ; offset += 500) {
      const page = (await emulatorFetch(emu, 'GET', `/organization_memberships?limit=500&offset=${offset}`))
        .body as WirePage<WireOrganizationMembership>;
      expect(page.total_count).toBe(12_000);
      for (const item of page.data) seen.add(item.id);
      if (page.data.length < 500) break;
    }
    expect(seen.size).toBe(12_000);
    const org = await specFetch(
      emu,
      'GET',
      '/organizations/{organization_id}',
      '/organizations/org-3?include_members_count=true',
    );
    expect(org.body).toMatchObject({ slug: 'org-3', members_count: 600 });
    const members = await specFetch(
      emu,
      'GET',
      '/organizations/{organization_id}/memberships',
      '/organizations/org-3/memberships?limit=500&role=org:admin',
    );
    expect((members.body as WirePage<WireOrganizationMembership>).data.every((item) => item.role === 'org:admin')).toBe(
      true,
    );
  });

  it('stops at the first invalid item, naming it, and keeps what came before', async () => {
    emu.reset();
    const response = await emulatorFetch(
      emu,
      'POST',
      '/__emulator/seed',
      { users: [{ external_id: 'ok-1' }, { external_id: 'ok-2' }, { external_id: 'ok-1' }, { external_id: 'never' }] },
      { noAuth: true },
    );
    expect(response.status).toBe(422);
    expect(firstError(response)).toMatchObject({
      code: 'form_identifier_exists',
      meta: { param_name: 'external_id', seed_item: 'users[2]' },
    });
    expect((await specFetch(emu, 'GET', '/users/count', '/users/count')).body).toMatchObject({ total_count: 2 });
    const badMembership = await emulatorFetch(
      emu,
      'POST',
      '/__emulator/seed',
      { memberships: [{ organization: 'no-such-org', user: 'ok-1', role: 'org:member' }] },
      { noAuth: true },
    );
    expect(badMembership.status).toBe(404);
    const badShape = await emulatorFetch(emu, 'POST', '/__emulator/seed', { people: [] }, { noAuth: true });
    expect(badShape.status).toBe(400);
  });

  it('resets through the hook', async () => {
    await emulatorFetch(emu, 'GET', '/users');
    const reset = await emulatorFetch(emu, 'POST', '/__emulator/reset', undefined, { noAuth: true });
    expect(reset.status).toBe(200);
    expect(emu.stats().total).toBe(0);
    expect((await specFetch(emu, 'GET', '/users/count', '/users/count')).body).toMatchObject({ total_count: 0 });
  });

  it('seeds through the start option and the method, resolving users by id, external_id or email', async () => {
    const started = await startEmulator({
      seed: {
        users: [{ external_id: 'opt-1', email_address: ['opt1@seed.test'] }, { external_id: 'opt-2' }],
        organizations: [{ name: 'Opt', slug: 'opt', public_metadata: { seeded: true } }],
        memberships: [{ organization: 'opt', user: 'opt1@SEED.test', role: 'org:admin' }],
      },
    });
    try {
      const [second] = (await emulatorFetch(started, 'GET', '/users?external_id=opt-2')).body as WireUser[];
      const orgs = (await emulatorFetch(started, 'GET', '/organizations')).body as WirePage<{ id: string }>;
      const result = started.seed({
        memberships: [{ organization: orgs.data[0]?.id as string, user: second?.id as string, role: 'org:member' }],
      });
      expect(result).toEqual({ users: 0, organizations: 0, memberships: 1 });
      const members = (await emulatorFetch(started, 'GET', '/organizations/opt/memberships?order_by=%2Bcreated_at'))
        .body as WirePage<WireOrganizationMembership>;
      expect(members.data.map((item) => item.role)).toEqual(['org:admin', 'org:member']);
      expect(members.data[0]?.organization.public_metadata).toEqual({ seeded: true });
    } finally {
      await started.close();
    }
  });
});
