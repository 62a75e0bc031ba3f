// Reads what a plan must know of the instance (issue 13): its environment (GET /instance `environment_type`), its
// organization settings (GET /instance/organization_settings: `slug_disabled`, `max_allowed_memberships`,
// `creator_role`) and its organization roles (GET /organization_roles, every page), per the OpenAPI spec 2026-05-12.
// An instance may refuse these reads: the spec lists 402 and 404 on organization_settings and 403 on
// organization_roles (a plan without the feature, an older instance). A refused read does not fail the plan: each
// field falls back on its own and a warning says what was assumed.

import type { ClerkClient, QueryValue } from '../clerk/index.ts';
import { LiveStateError } from '../errors.ts';
import type { LiveInstance } from '../model/index.ts';
import { isPlainObject } from '../util/json.ts';
import { countProblem, readBeyondCount, readMargin } from './from-wire.ts';

/** Statuses that mean "this instance does not offer this read", not "the read failed". */
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([402, 403, 404]);

/** The most roles one page returns (the shared `limit` maximum, OpenAPI spec 2026-05-12). */
const ROLE_PAGE = 500;

/** What a new instance answers (docs: the creator gets `org:admin`); used when the settings cannot be read. */
export const FALLBACK_INSTANCE: Omit<LiveInstance, 'userCount'> = {
  environment: null,
  slugsEnabled: true,
  maxAllowedMemberships: 0,
  creatorRole: 'org:admin',
  roles: null,
};

export interface InstanceRead {
  instance: Omit<LiveInstance, 'userCount'>;
  /** What could not be read and what was assumed instead, one sentence each. */
  warnings: string[];
}

interface Reader {
  client: ClerkClient;
  signal: AbortSignal | undefined;
}

function unavailableStatus(error: unknown): number | undefined {
  const status = isPlainObject(error) ? error.status : undefined;
  return typeof status === 'number' && UNAVAILABLE_STATUSES.has(status) ? status : undefined;
}

function invalid(what: string, problem: string): LiveStateError {
  return new LiveStateError('live_response_invalid', `the API answered ${what} with an unexpected shape: ${problem}`, {
    meta: { request: what, problem },
    hint: 'Check that --api-url / CLERK_API_URL points at the Clerk Backend API.',
  });
}

/** GET path; a 402/403/404 answer becomes `{ refused: status }`. A 200 that is not a JSON object is invalid. */
async function optionalGet(
  reader: Reader,
  path: string,
  query: Record<string, QueryValue> = {},
): Promise<{ body: Record<string, unknown> } | { refused: number }> {
  let body: unknown;
  try {
    body = await reader.client.request<unknown>(
      { method: 'GET', path, query },
      reader.signal === undefined ? {} : { signal: reader.signal },
    );
  } catch (error) {
    const status = unavailableStatus(error);
    if (status === undefined) throw error;
    return { refused: status };
  }
  if (!isPlainObject(body)) throw invalid(`GET ${path}`, 'the body is not an object');
  return { body };
}

async function readEnvironment(reader: Reader, warnings: string[]): Promise<LiveInstance['environment']> {
  const answer = await optionalGet(reader, '/instance');
  if ('refused' in answer) {
    warnings.push(
      `GET /instance answered ${answer.refused}: the instance's environment is unknown, so the development instance user cap is not checked`,
    );
    return null;
  }
  const type = answer.body.environment_type;
  if (type === 'development' || type === 'production') return type;
  warnings.push(
    `GET /instance gave environment_type ${JSON.stringify(type ?? null)}: not development or production, so the development instance user cap is not checked`,
  );
  return null;
}

type OrganizationSettings = Pick<LiveInstance, 'slugsEnabled' | 'maxAllowedMemberships' | 'creatorRole'>;

async function readOrganizationSettings(reader: Reader, warnings: string[]): Promise<OrganizationSettings> {
  const fallback: OrganizationSettings = {
    slugsEnabled: FALLBACK_INSTANCE.slugsEnabled,
    maxAllowedMemberships: FALLBACK_INSTANCE.maxAllowedMemberships,
    creatorRole: FALLBACK_INSTANCE.creatorRole,
  };
  const answer = await optionalGet(reader, '/instance/organization_settings');
  if ('refused' in answer) {
    warnings.push(
      `GET /instance/organization_settings answered ${answer.refused}: assuming organization slugs are enabled, no instance member limit and creator role ${fallback.creatorRole}`,
    );
    return fallback;
  }
  const { slug_disabled: slugDisabled, max_allowed_memberships: limit, creator_role: creatorRole } = answer.body;
  const settings = { ...fallback };
  // slug_disabled is optional in the spec's OrganizationSettings; instances from before the setting had slugs.
  if (typeof slugDisabled === 'boolean') settings.slugsEnabled = !slugDisabled;
  else
    warnings.push('GET /instance/organization_settings gave no slug_disabled: assuming organization slugs are enabled');
  if (typeof limit === 'number' && Number.isInteger(limit) && limit >= 0) settings.maxAllowedMemberships = limit;
  else {
    warnings.push(
      'GET /instance/organization_settings gave no usable max_allowed_memberships: organization member limits are checked only where an organization sets its own',
    );
  }
  if (typeof creatorRole === 'string' && creatorRole !== '') settings.creatorRole = creatorRole;
  else {
    warnings.push(`GET /instance/organization_settings gave no creator_role: assuming ${fallback.creatorRole}`);
  }
  return settings;
}

async function readRoles(reader: Reader, warnings: string[]): Promise<string[] | null> {
  const keys = new Set<string>();
  // Oldest first: a role created during the read goes to the end and shifts no offset.
  // The first page's total: later pages may not raise it forever.
  let counted: number | undefined;
  for (let offset = 0; ; offset += ROLE_PAGE) {
    const answer = await optionalGet(reader, '/organization_roles', {
      limit: ROLE_PAGE,
      offset,
      order_by: '+created_at',
    });
    if ('refused' in answer) {
      warnings.push(
        `GET /organization_roles answered ${answer.refused}: the instance's roles are unknown, so membership roles are not checked at plan time`,
      );
      return null;
    }
    const { data, total_count: announced } = answer.body;
    if (!Array.isArray(data)) throw invalid('GET /organization_roles', 'not a {data, total_count} list');
    const problem = countProblem(announced);
    if (problem !== undefined) throw invalid('GET /organization_roles', problem);
    const total = announced as number;
    counted ??= total;
    if (keys.size + data.length > counted + readMargin(counted)) {
      throw readBeyondCount('GET /organization_roles', keys.size + data.length, counted);
    }
    const before = keys.size;
    for (const role of data) {
      if (!isPlainObject(role) || typeof role.key !== 'string')
        throw invalid('GET /organization_roles', 'a role has no key');
      keys.add(role.key);
    }
    // A short page, the announced total, or a page with nothing new (a server ignoring offset) ends the list.
    if (data.length < ROLE_PAGE || offset + data.length >= total || keys.size === before) break;
  }
  return [...keys].sort();
}

/** The instance's settings, field by field, with a warning for each one that could not be read. */
export async function fetchInstanceSettings(reader: Reader): Promise<InstanceRead> {
  const environmentWarnings: string[] = [];
  const settingsWarnings: string[] = [];
  const roleWarnings: string[] = [];
  const [environment, settings, roles] = await Promise.all([
    readEnvironment(reader, environmentWarnings),
    readOrganizationSettings(reader, settingsWarnings),
    readRoles(reader, roleWarnings),
  ]);
  return {
    instance: { environment, ...settings, roles },
    // In a fixed order, whatever order the answers came in.
    warnings: [...environmentWarnings, ...settingsWarnings, ...roleWarnings],
  };
}
