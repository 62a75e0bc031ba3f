// The baseline: a sync script written the way users write one with @clerk/backend, to compare clerk-sync against.
// It lists every user with getUserList offset pagination (the SDK also calls /users/count for every page), then
// looks each manifest user up by external_id and, in --apply mode, fixes what differs: createUser, updateUser,
// updateUserMetadata, banUser, and the memberships (one getOrganizationMembershipList per user, then create,
// update or delete). Every call goes through the usual "retry on 429 after err.retryAfter" wrapper, since the SDK
// itself never retries (docs/clerk-api.md#the-sdk-never-retries).
//
//   tsx bench/baseline-sdk.ts --api-url http://127.0.0.1:PORT --manifest DIR [--apply]
//
// Prints one JSON line: {"users":N,"lookups":N,"writes":N,"retries429":N,"seconds":S}.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createClerkClient } from '@clerk/backend';
import { parse } from 'yaml';

interface ManifestUser {
  externalId: string;
  emailAddresses?: string[];
  phoneNumbers?: string[];
  username?: string;
  firstName?: string;
  lastName?: string;
  publicMetadata?: Record<string, unknown>;
  privateMetadata?: Record<string, unknown>;
  banned?: boolean;
  memberships?: { org: string; role: string }[];
}

const { values } = parseArgs({
  options: {
    'api-url': { type: 'string' },
    manifest: { type: 'string' },
    apply: { type: 'boolean' },
    'secret-key': { type: 'string' },
  },
});
const apiUrl = values['api-url'];
const manifestDir = values.manifest;
if (!apiUrl || !manifestDir) throw new Error('usage: baseline-sdk.ts --api-url ORIGIN --manifest DIR [--apply]');

const clerk = createClerkClient({ secretKey: values['secret-key'] ?? 'sk_test_emulator', apiUrl });
let retries429 = 0;
let writes = 0;

/** The wrapper users add after their first 429: wait Retry-After seconds (default 1), try again. */
async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status !== 429) throw error;
      retries429 += 1;
      const retryAfter = (error as { retryAfter?: number }).retryAfter;
      await sleep(((retryAfter ?? 1) || 1) * 1000);
    }
  }
}

async function write<T>(call: () => Promise<T>): Promise<T> {
  writes += 1;
  return withRetry(call);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const manifestUsers: ManifestUser[] = [];
for (const name of readdirSync(manifestDir).sort()) {
  if (!name.endsWith('.yaml')) continue;
  const doc = parse(readFileSync(join(manifestDir, name), 'utf8')) as { users?: ManifestUser[] };
  manifestUsers.push(...(doc.users ?? []));
}

const started = performance.now();

// 1. Every user, 500 per page (getUserList also asks /users/count on each call).
const everyone = [];
for (let offset = 0; ; offset += 500) {
  const page = await withRetry(() => clerk.users.getUserList({ limit: 500, offset }));
  everyone.push(...page.data);
  if (offset + 500 >= page.totalCount) break;
}

// Organization ids by slug, for memberships.
const orgIds = new Map<string, string>();
if (values.apply) {
  for (let offset = 0; ; offset += 100) {
    const page = await withRetry(() => clerk.organizations.getOrganizationList({ limit: 100, offset }));
    for (const org of page.data) orgIds.set(org.slug, org.id);
    if (offset + 100 >= page.totalCount) break;
  }
}

// 2. Each manifest user, looked up by external_id, then updated where it differs.
let lookups = 0;
for (const wanted of manifestUsers) {
  lookups += 1;
  const found = await withRetry(() => clerk.users.getUserList({ externalId: [wanted.externalId] }));
  if (!values.apply) continue;
  let user = found.data[0];
  if (!user) {
    user = await write(() =>
      clerk.users.createUser({
        externalId: wanted.externalId,
        ...(wanted.emailAddresses ? { emailAddress: wanted.emailAddresses } : {}),
        ...(wanted.phoneNumbers ? { phoneNumber: wanted.phoneNumbers } : {}),
        ...(wanted.username ? { username: wanted.username } : {}),
        ...(wanted.firstName ? { firstName: wanted.firstName } : {}),
        ...(wanted.lastName ? { lastName: wanted.lastName } : {}),
        ...(wanted.publicMetadata ? { publicMetadata: wanted.publicMetadata } : {}),
        ...(wanted.privateMetadata ? { privateMetadata: wanted.privateMetadata } : {}),
        skipPasswordRequirement: true,
      }),
    );
  } else {
    const current = user;
    if (current.firstName !== (wanted.firstName ?? null) || current.lastName !== (wanted.lastName ?? null)) {
      await write(() =>
        clerk.users.updateUser(current.id, {
          ...(wanted.firstName ? { firstName: wanted.firstName } : {}),
          ...(wanted.lastName ? { lastName: wanted.lastName } : {}),
        }),
      );
    }
    if (
      !sameJson(current.publicMetadata, wanted.publicMetadata ?? {}) ||
      !sameJson(current.privateMetadata, wanted.privateMetadata ?? {})
    ) {
      await write(() =>
        clerk.users.updateUserMetadata(current.id, {
          publicMetadata: wanted.publicMetadata ?? {},
          privateMetadata: wanted.privateMetadata ?? {},
        }),
      );
    }
  }
  const userId = user.id;
  if (wanted.banned === true && !user.banned) await write(() => clerk.users.banUser(userId));
  const memberships = await withRetry(() => clerk.users.getOrganizationMembershipList({ userId, limit: 100 }));
  const want = new Map((wanted.memberships ?? []).map((membership) => [membership.org, membership.role]));
  for (const membership of memberships.data) {
    const slug = membership.organization.slug;
    const role = want.get(slug);
    if (role === undefined) {
      await write(() =>
        clerk.organizations.deleteOrganizationMembership({ organizationId: membership.organization.id, userId }),
      );
    } else if (role !== membership.role) {
      await write(() =>
        clerk.organizations.updateOrganizationMembership({ organizationId: membership.organization.id, userId, role }),
      );
    }
    want.delete(slug);
  }
  for (const [slug, role] of want) {
    const organizationId = orgIds.get(slug);
    if (organizationId) {
      await write(() => clerk.organizations.createOrganizationMembership({ organizationId, userId, role }));
    }
  }
}

const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ users: everyone.length, lookups, writes, retries429, seconds: Number(seconds.toFixed(3)) })}\n`,
);
