// Every shipped example applies cleanly through the CLI in-process (main(argv, io)) on an emulator with a new
// instance's default settings, and on one whose organization slugs are enabled (applications created before
// 2025-10-07, docs/clerk-api.md); a second plan is empty each time.

import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmulatorSettingsInput } from '../../src/emulator/index.ts';
import { e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const FILES = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml'));

const INSTANCES: [string, EmulatorSettingsInput][] = [
  ['a new instance (slugs off)', {}],
  ['an instance with slugs enabled', { organization_settings: { slug_disabled: false } }],
];

interface WireOrg {
  slug: string | null;
  private_metadata?: { clerkSync?: { key?: string } };
}

describe.each(INSTANCES)('the examples on %s', (_title, settings) => {
  it.each(FILES)('%s applies cleanly and plans to no changes afterwards', async (name) => {
    const e2e = await e2eContext({ settings });
    const file = resolve(EXAMPLES, name);
    // The emulator is local: the whole documented budget instead of the default share keeps the test quick.
    const apply = await e2e.cli(['apply', '-f', file, '--auto-approve', '--rate-share', '1']);
    expect(apply.stderr).not.toMatch(/error|refused|[1-9]\d* failed/i);
    expect(apply.code).toBe(0);
    expect(Object.keys(mutatingRequests(e2e.emulator.stats())).length).toBeGreaterThan(0);

    const orgs = await emulatorFetch(e2e.emulator, 'GET', '/organizations?limit=100');
    const data = (orgs.body as { data: WireOrg[] }).data;
    expect(data.length).toBeGreaterThan(0);
    for (const org of data) {
      expect(org.private_metadata?.clerkSync?.key).toEqual(expect.any(String));
      if (settings.organization_settings?.slug_disabled === false) {
        expect(org.slug).toBe(org.private_metadata?.clerkSync?.key);
      } else {
        expect(org.slug).toBeNull();
      }
    }

    const again = await e2e.cli(['plan', '-f', file, '--detailed-exitcode']);
    expect(again.stderr).not.toMatch(/error/i);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });
});
