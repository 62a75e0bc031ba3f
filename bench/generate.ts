// Synthetic, seeded benchmark data: an instance of N users, O organizations and M memberships (as the emulator's
// POST /__emulator/seed body), and the manifest that declares it with a chosen amount of drift. The same seed and
// sizes always give byte-identical output, so runs on different machines compare like for like.

import { seededRandom } from '../src/emulator/index.ts';

const FIRST_NAMES = ['Alice', 'Bob', 'Carol', 'Dan', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory'];
const LAST_NAMES = ['Smith', 'Jones', 'Garcia', 'Martin', 'Dubois', 'Rossi', 'Novak', 'Tanaka', 'Okafor', 'Silva'];
const PLANS = ['free', 'pro', 'team', 'enterprise'];
const THEMES = ['dark', 'light', 'system'];
const LOCALES = ['en', 'fr', 'de', 'es', 'ja'];

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface BenchMembership {
  org: string;
  role: string;
}

/** One user as the generator knows it: what the instance holds and, without drift, what the manifest says. */
export interface BenchUser {
  externalId: string;
  emailAddresses: string[];
  phoneNumbers: string[];
  username: string;
  firstName: string;
  lastName: string;
  publicMetadata: JsonObject;
  privateMetadata: JsonObject;
  banned: boolean;
  memberships: BenchMembership[];
}

export interface BenchOrganization {
  slug: string;
  name: string;
}

export interface InstanceSize {
  users: number;
  organizations: number;
  memberships: number;
  seed?: number;
}

export interface BenchInstance {
  users: BenchUser[];
  organizations: BenchOrganization[];
  membershipCount: number;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function makeUser(index: number, random: () => number): BenchUser {
  const id = pad(index, 7);
  const emails = [`user${id}@bench.test`];
  if (random() < 0.5) emails.push(`user${id}.alt@example.test`);
  const phones = random() < 0.3 ? [`+1555${id}`] : [];
  return {
    externalId: `u-${id}`,
    emailAddresses: emails,
    phoneNumbers: phones,
    username: `user_${id}`,
    firstName: pick(FIRST_NAMES, random),
    lastName: pick(LAST_NAMES, random),
    publicMetadata: {
      plan: pick(PLANS, random),
      prefs: { theme: pick(THEMES, random), locale: pick(LOCALES, random) },
    },
    privateMetadata: { employeeId: index, billing: { customerId: `cus_${id}`, seats: 1 + Math.floor(random() * 20) } },
    banned: false,
    memberships: [],
  };
}

/** Users, organizations and memberships; membership k goes to user k mod N, so users hold 1 or 2 when M <= 2N. */
export function generateInstance(size: InstanceSize): BenchInstance {
  const random = seededRandom(size.seed ?? 42);
  const users = Array.from({ length: size.users }, (_, index) => makeUser(index, random));
  const organizations = Array.from({ length: size.organizations }, (_, index) => ({
    slug: `org-${pad(index, 5)}`,
    name: `Organization ${index}`,
  }));
  let membershipCount = 0;
  if (size.organizations > 0 && size.users > 0) {
    for (let k = 0; k < size.memberships; k += 1) {
      const user = users[k % size.users] as BenchUser;
      const round = Math.floor(k / size.users);
      if (round >= size.organizations) break;
      // A different organization per round for the same user (the stride is coprime with nothing that matters
      // here: the round offset alone keeps the user's organizations distinct).
      const org = organizations[((((k % size.users) * 7919) % size.organizations) + round) % size.organizations];
      if (!org || user.memberships.some((membership) => membership.org === org.slug)) continue;
      user.memberships.push({ org: org.slug, role: random() < 0.1 ? 'org:admin' : 'org:member' });
      membershipCount += 1;
    }
  }
  return { users, organizations, membershipCount };
}

/** The POST /__emulator/seed body for an instance (users as POST /v1/users bodies). */
export function seedBody(instance: BenchInstance): string {
  return JSON.stringify({
    users: instance.users.map((user) => ({
      external_id: user.externalId,
      email_address: user.emailAddresses,
      ...(user.phoneNumbers.length > 0 ? { phone_number: user.phoneNumbers } : {}),
      username: user.username,
      first_name: user.firstName,
      last_name: user.lastName,
      public_metadata: user.publicMetadata,
      private_metadata: user.privateMetadata,
      skip_password_requirement: true,
    })),
    organizations: instance.organizations.map((org) => ({ name: org.name, slug: org.slug })),
    memberships: instance.users.flatMap((user) =>
      user.memberships.map((membership) => ({
        organization: membership.org,
        user: user.externalId,
        role: membership.role,
      })),
    ),
  });
}

/** How many drifted users of each kind a manifest has; every count is a number of users. */
export interface DriftCounts {
  renamed: number;
  metadata: number;
  roleChanged: number;
  membershipRemoved: number;
  banned: number;
  created: number;
}

/** Splits a number of drifted users over the kinds of drift, in fixed proportions. */
export function driftCounts(total: number): DriftCounts {
  const created = Math.round(total * 0.1);
  const banned = Math.round(total * 0.05);
  const roleChanged = Math.round(total * 0.15);
  const membershipRemoved = Math.round(total * 0.1);
  const metadata = Math.round(total * 0.25);
  const renamed = Math.max(0, total - created - banned - roleChanged - membershipRemoved - metadata);
  return { renamed, metadata, roleChanged, membershipRemoved, banned, created };
}

export interface ManifestOptions {
  drift: DriftCounts;
  /** Users per file: a manifest file is capped at 64 MB (docs/manifest.md, "YAML rules and limits"). */
  usersPerFile?: number;
  seed?: number;
}

export interface GeneratedManifest {
  /** File name -> YAML text; written into one directory and passed as `-f DIR`. */
  files: Map<string, string>;
  users: BenchUser[];
}

function cloneUser(user: BenchUser): BenchUser {
  return structuredClone(user);
}

/** Applies drift to a copy of the instance's users: the manifest then differs from the live instance by `drift`. */
export function driftUsers(instance: BenchInstance, options: ManifestOptions): BenchUser[] {
  const random = seededRandom(options.seed ?? 7);
  const users = instance.users.map(cloneUser);
  // A deterministic shuffle of indexes; drifted users are taken from its front, one kind after the other.
  const order = users.map((_, index) => index);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  let cursor = 0;
  const next = (accept: (user: BenchUser) => boolean): BenchUser | undefined => {
    while (cursor < order.length) {
      const user = users[order[cursor++] as number] as BenchUser;
      if (accept(user)) return user;
    }
    return undefined;
  };
  const { drift } = options;
  for (let n = 0; n < drift.renamed; n += 1) {
    const user = next(() => true);
    if (user) user.firstName = `${user.firstName}-renamed`;
  }
  for (let n = 0; n < drift.metadata; n += 1) {
    const user = next(() => true);
    if (!user) continue;
    const prefs = user.publicMetadata.prefs as JsonObject;
    user.publicMetadata = { ...user.publicMetadata, plan: 'migrated', prefs: { ...prefs, theme: 'high-contrast' } };
  }
  for (let n = 0; n < drift.roleChanged; n += 1) {
    const user = next((candidate) => candidate.memberships.length > 0);
    const first = user?.memberships[0];
    if (first) first.role = first.role === 'org:admin' ? 'org:member' : 'org:admin';
  }
  for (let n = 0; n < drift.membershipRemoved; n += 1) {
    const user = next((candidate) => candidate.memberships.length > 0);
    user?.memberships.pop();
  }
  for (let n = 0; n < drift.banned; n += 1) {
    const user = next(() => true);
    if (user) user.banned = true;
  }
  const base = users.length;
  for (let n = 0; n < drift.created; n += 1) {
    const user = makeUser(base + n + 1_000_000, random);
    const org = instance.organizations[n % Math.max(1, instance.organizations.length)];
    if (org) user.memberships.push({ org: org.slug, role: 'org:member' });
    users.push(user);
  }
  return users;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_.@-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|~)$/i;

/** A YAML scalar: plain when unambiguous, else double-quoted JSON (a valid YAML double-quoted string). */
function scalar(value: Json): string {
  if (typeof value === 'string') return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(scalar).join(', ')}]`;
  return `{ ${Object.entries(value)
    .map(([key, item]) => `${key}: ${scalar(item)}`)
    .join(', ')} }`;
}

function userYaml(user: BenchUser): string {
  const lines = [
    `  - externalId: ${user.externalId}`,
    `    emailAddresses: ${scalar(user.emailAddresses)}`,
    ...(user.phoneNumbers.length > 0 ? [`    phoneNumbers: ${scalar(user.phoneNumbers)}`] : []),
    `    username: ${user.username}`,
    `    firstName: ${scalar(user.firstName)}`,
    `    lastName: ${scalar(user.lastName)}`,
    `    publicMetadata: ${scalar(user.publicMetadata)}`,
    `    privateMetadata: ${scalar(user.privateMetadata)}`,
    ...(user.banned ? ['    banned: true'] : []),
    '    memberships:',
    ...user.memberships.map((membership) => `      - { org: ${membership.org}, role: ${scalar(membership.role)} }`),
  ];
  if (user.memberships.length === 0) lines[lines.length - 1] = '    memberships: []';
  return `${lines.join('\n')}\n`;
}

/** The manifest files: settings and organizations in the first file, users in files of `usersPerFile`. */
export function generateManifest(instance: BenchInstance, options: ManifestOptions): GeneratedManifest {
  const users = driftUsers(instance, options);
  const files = new Map<string, string>();
  const head = [
    '# Generated by bench/generate.ts: synthetic benchmark data.',
    'apiVersion: clerk-sync/v1',
    'settings:',
    '  userKey: externalId',
    '  metadataMode: replace',
    'organizations:',
    ...instance.organizations.map((org) => `  - { slug: ${org.slug}, name: ${scalar(org.name)} }`),
  ];
  files.set('00-settings.yaml', `${head.join('\n')}\n`);
  const perFile = options.usersPerFile ?? 25_000;
  for (let start = 0, part = 1; start < users.length; start += perFile, part += 1) {
    const chunk = users.slice(start, start + perFile);
    files.set(`users-${pad(part, 3)}.yaml`, `apiVersion: clerk-sync/v1\nusers:\n${chunk.map(userYaml).join('')}`);
  }
  return { files, users };
}
