// Building settings: `resolveSettings` starts from a new instance's defaults, then a preset, then the caller's
// partial object; `mergeSettings` checks each partial object key by key before merging it.

import { isPlainObject } from '../util/json.ts';
import {
  type EmulatorOrganizationSettings,
  type EmulatorSettings,
  type EmulatorSettingsInput,
  isSettingsPreset,
  newInstanceSettings,
  SETTINGS_PRESETS,
  type SettingsPreset,
} from './settings.ts';
import {
  EmulatorSettingsError,
  invalid,
  ORGANIZATION_CHECKS,
  parseRoles,
  TOP_CHECKS,
  type TopKey,
  unknown,
} from './settings-checks.ts';

/**
 * Returns `base` with `input` merged in (deeply for `organization_settings`; `roles` is replaced whole), after
 * checking every key and value of `input`. Throws EmulatorSettingsError naming the first offending key. `base` is
 * not modified.
 */
export function mergeSettings(base: EmulatorSettings, input: unknown): EmulatorSettings {
  if (!isPlainObject(input)) throw invalid('(root)', 'an object of settings', input);
  const next = structuredClone(base);
  const topKeys = [...Object.keys(TOP_CHECKS), 'roles', 'organization_settings'];
  for (const [key, value] of Object.entries(input)) {
    // An undefined value (a TypeScript caller's optional field) is an absent key; JSON has none.
    if (value === undefined) continue;
    if (key === 'roles') {
      next.roles = parseRoles(value);
    } else if (key === 'organization_settings') {
      if (!isPlainObject(value)) throw invalid(key, 'an object', value);
      const orgKeys = Object.keys(ORGANIZATION_CHECKS);
      for (const [orgKey, orgValue] of Object.entries(value)) {
        if (orgValue === undefined) continue;
        if (!Object.hasOwn(ORGANIZATION_CHECKS, orgKey)) throw unknown(`${key}.${orgKey}`, orgKeys);
        const expected = ORGANIZATION_CHECKS[orgKey as keyof EmulatorOrganizationSettings](orgValue);
        if (expected !== undefined) throw invalid(`${key}.${orgKey}`, expected, orgValue);
        (next.organization_settings as unknown as Record<string, unknown>)[orgKey] = structuredClone(orgValue);
      }
    } else if (Object.hasOwn(TOP_CHECKS, key)) {
      const expected = TOP_CHECKS[key as TopKey](value);
      if (expected !== undefined) throw invalid(key, expected, value);
      (next as unknown as Record<string, unknown>)[key] = value;
    } else {
      throw unknown(key, topKeys);
    }
  }
  const roleKeys = next.roles.map((role) => role.key);
  for (const key of ['creator_role', 'domains_default_role'] as const) {
    const role = next.organization_settings[key];
    if (!roleKeys.includes(role)) {
      throw invalid(`organization_settings.${key}`, `one of the roles (${roleKeys.join(', ')})`, role);
    }
  }
  return next;
}

/** A new instance's settings for this key, then the preset, then `settings` (each merged and checked). */
export function resolveSettings(
  secretKey: string,
  options: { preset?: SettingsPreset | undefined; settings?: EmulatorSettingsInput | undefined } = {},
): EmulatorSettings {
  let settings = newInstanceSettings(secretKey);
  if (options.preset !== undefined) {
    if (!isSettingsPreset(options.preset)) {
      throw new EmulatorSettingsError(
        'preset',
        'invalid_value',
        `unknown settings preset "${String(options.preset)}": expected ${Object.keys(SETTINGS_PRESETS).join(' or ')}`,
      );
    }
    settings = mergeSettings(settings, SETTINGS_PRESETS[options.preset]());
  }
  if (options.settings !== undefined) settings = mergeSettings(settings, options.settings);
  return settings;
}
