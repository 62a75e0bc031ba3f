// A live side no Clerk instance can hold, end to end through the CLI in-process (main(argv, io)): metadata nested
// 2,000 levels deep (4 KB, within Clerk's 8 KB) is refused as live_response_invalid, never a stack overflow in plan.

import { describe, expect, it } from 'vitest';
import type { WireJson } from '../../src/clerk/wire.ts';
import { e2eContext } from '../helpers/cli.ts';

function deepArray(depth: number): WireJson {
  return JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

describe('hostile live state', () => {
  it('refuses user metadata nested 2,000 deep with live_response_invalid and no stack trace', async () => {
    const e2e = await e2eContext({
      seed: { users: [{ external_id: 'emp-001', public_metadata: { deep: deepArray(2_000) } }] },
    });
    const file = await e2e.write(
      'users.yaml',
      'apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-001\n    firstName: Alice\n    publicMetadata:\n      deep: [1]\n',
    );
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('public_metadata is nested deeper than 64 levels');
    expect(run.stderr).toContain('code: live_response_invalid');
    expect(run.stderr).not.toMatch(/RangeError|Maximum call stack|\n\s+at /);
  });
});
