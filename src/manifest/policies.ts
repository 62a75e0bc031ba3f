// settings.policies -> ManifestPolicies (values) and PolicyPositions (where each rule and list item sits). The JSON
// Schema has checked the shape already; a file with schema errors is still read defensively (wrong types dropped).

import type { ManifestPolicies, PerOrganization, PolicyPositions, SourceRef, UserKeyKind } from '../model/index.ts';
import { isPlainObject } from '../util/json.ts';
import { locate, type ParsedFile, sourceRef } from './positions.ts';

const RULES = ['minAdmins', 'requiredAdmins', 'allowedEmailDomains', 'protectedUsers', 'maxDeletes', 'maxChangeRatio'];

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function perOrganization<T>(value: unknown, item: (raw: unknown) => T | undefined): PerOrganization<T> | undefined {
  const all = item(value);
  if (all !== undefined) return { all };
  if (!isPlainObject(value)) return undefined;
  const byOrganization: Record<string, T> = {};
  for (const [org, raw] of Object.entries(value)) {
    const one = item(raw);
    if (one !== undefined) byOrganization[org] = one;
  }
  return { byOrganization };
}

/**
 * The policies a settings object declares; undefined when it has no `policies` key. User keys are normalised as
 * the users' are: lower-cased when the key is the email address.
 */
export function readPolicies(settings: Record<string, unknown>, userKey: UserKeyKind): ManifestPolicies | undefined {
  const policies = readRaw(settings);
  if (policies === undefined || userKey !== 'emailAddress') return policies;
  const lower = (keys: string[]): string[] => keys.map((key) => key.toLowerCase());
  if (policies.protectedUsers) policies.protectedUsers = lower(policies.protectedUsers);
  for (const [org, keys] of Object.entries(policies.requiredAdmins ?? {})) {
    (policies.requiredAdmins as Record<string, string[]>)[org] = lower(keys);
  }
  return policies;
}

function readRaw(settings: Record<string, unknown>): ManifestPolicies | undefined {
  const raw = settings.policies;
  if (!isPlainObject(raw)) return undefined;
  const policies: ManifestPolicies = {};
  const minAdmins = perOrganization(raw.minAdmins, count);
  if (minAdmins) policies.minAdmins = minAdmins;
  if (isPlainObject(raw.requiredAdmins)) {
    const required: Record<string, string[]> = {};
    for (const [org, users] of Object.entries(raw.requiredAdmins)) required[org] = strings(users) ?? [];
    policies.requiredAdmins = required;
  }
  const domains = perOrganization(raw.allowedEmailDomains, strings);
  if (domains) policies.allowedEmailDomains = domains;
  const protectedUsers = strings(raw.protectedUsers);
  if (protectedUsers) policies.protectedUsers = protectedUsers;
  const maxDeletes = count(raw.maxDeletes);
  if (maxDeletes !== undefined) policies.maxDeletes = maxDeletes;
  if (typeof raw.maxChangeRatio === 'number' && raw.maxChangeRatio >= 0 && raw.maxChangeRatio <= 1) {
    policies.maxChangeRatio = raw.maxChangeRatio;
  }
  return policies;
}

/** Positions of every rule, map entry and list item under settings.policies in `file` (a policy set is small). */
export function policyPositions(file: ParsedFile, policies: ManifestPolicies): PolicyPositions {
  const out: Record<string, SourceRef> = {};
  const base = ['settings', 'policies'];
  const add = (path: readonly string[]): void => {
    const located = locate(file, [...base, ...path]);
    if (located) out[path.join('.')] = sourceRef(file, located.node ?? located.key);
  };
  const value = policies as Record<string, unknown>;
  for (const rule of RULES) {
    if (value[rule] === undefined) continue;
    add([rule]);
    const item = value[rule];
    // PerOrganization values are { all } or { byOrganization }; requiredAdmins is a plain map.
    const per = isPlainObject(item) && ('all' in item || 'byOrganization' in item);
    const list = per ? (item as { all?: unknown }).all : item;
    const entries = per ? (item as { byOrganization?: unknown }).byOrganization : item;
    if (Array.isArray(list)) {
      for (let index = 0; index < list.length; index += 1) add([rule, String(index)]);
    } else if (isPlainObject(entries)) {
      for (const [key, inner] of Object.entries(entries)) {
        add([rule, key]);
        const items = Array.isArray(inner) ? inner.length : 0;
        for (let index = 0; index < items; index += 1) add([rule, key, String(index)]);
      }
    }
  }
  return out;
}
