// Generated users end to end (issue 18): a 500-user generator applies on the emulator, re-plans empty, and a
// count change plans only the difference (creates when it grows, prune deletes when it shrinks). No memberships:
// the emulator's new-instance limit of 5 members per organization would refuse them.

import { describe, expect, it } from 'vitest';
import { e2eContext } from '../helpers/cli.ts';

function manifest(count: number, prune = false): string {
  return [
    'apiVersion: clerk-sync/v1',
    ...(prune ? ['settings: { prune: true }'] : []),
    'generate:',
    `  - count: ${count}`,
    '    externalId: "load-{i:04}"',
    '    emailAddresses: ["load-{i:04}@example.test"]',
    '    firstName: "{firstName}"',
    '    lastName: "{lastName}"',
    '    publicMetadata: { cohort: load, index: "{i}" }',
    '',
  ].join('\n');
}

interface JsonPlan {
  operations: { id: string; type: string; user?: { key: string | null; label?: string } }[];
}

describe('generate: 500 users', () => {
  it('applies, re-plans empty, and plans only the difference when the count changes', async () => {
    // A development instance holds 100 users (docs/clerk-api.md#a-development-instance-holds-100-users).
    const e2e = await e2eContext({ settings: { user_cap: null, environment_type: 'production' } });
    const file = await e2e.write('load.yaml', manifest(500));
    const apply = await e2e.cli(['apply', '-f', file, '--auto-approve', '--skip-verify', '--rate-limit', '5000/1s']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 500 applied');
    const plan = async (text: string): Promise<string[]> => {
      await e2e.write('load.yaml', text);
      const run = await e2e.cli(['plan', '-f', file, '--format', 'json']);
      expect(run.code, run.stderr).toBe(0);
      // A deleted user is not in the manifest, so it has no key: its label names it.
      return (JSON.parse(run.stdout) as JsonPlan).operations.map(
        (op) => `${op.type}:${op.user?.key ?? op.user?.label ?? ''}`,
      );
    };
    expect(await plan(manifest(500))).toEqual([]);
    expect(await plan(manifest(510))).toEqual(
      Array.from({ length: 10 }, (_, n) => `create_user:load-${String(501 + n).padStart(4, '0')}`),
    );
    // Plan only: deleting on a production instance would need --allow-production.
    const shrink = await plan(manifest(490, true));
    expect(shrink.sort()).toEqual(
      Array.from({ length: 10 }, (_, n) => {
        const key = `load-${String(491 + n).padStart(4, '0')}`;
        return `delete_user:${key}, ${key}@example.test`;
      }),
    );
    // The plan names a generated user by its key, in text too.
    await e2e.write('load.yaml', manifest(501));
    const text = await e2e.cli(['plan', '-f', file]);
    expect(text.stdout).toContain('load-0501');
  });
});
