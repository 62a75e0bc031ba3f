// --dry-run output: method, path and compact JSON body per request, in order, capped.

import { describe, expect, it } from 'vitest';
import type { PlannedRequest } from '../../src/apply/types.ts';
import { compactBody } from '../../src/ui/DryRunView.tsx';
import { renderDryRun } from '../../src/ui/render.ts';
import { hasAnsi } from './fixtures.ts';

const requests: PlannedRequest[] = [
  {
    operationId: 'create_user:emp-002',
    method: 'POST',
    path: '/v1/users',
    body: { email_address: ['bob@acme.test'], password: '(redacted)', public_metadata: { role: 'admin' } },
  },
  { operationId: 'update_user:emp-001', method: 'PATCH', path: '/v1/users/user_1', body: { first_name: 'Adah' } },
  { operationId: 'delete_user:user_9', method: 'DELETE', path: '/v1/users/user_9' },
];

describe('renderDryRun', () => {
  it('lists each request with its operation, method, path and compact body', () => {
    expect(renderDryRun(requests, { color: false, columns: 200 })).toMatchInlineSnapshot(`
      "Requests apply would send (3):

        # create_user:emp-002
        POST   /v1/users {"email_address":["bob@acme.test"],"password":"(redacted)","public_metadata":{"role":"admin"}}

        # update_user:emp-001
        PATCH  /v1/users/user_1 {"first_name":"Adah"}

        # delete_user:user_9
        DELETE /v1/users/user_9
      "
    `);
  });

  it('wraps long bodies at the width, 100 columns by default', () => {
    const long: PlannedRequest = {
      operationId: 'x',
      method: 'POST',
      path: '/v1/users',
      body: { note: 'n'.repeat(300) },
    };
    for (const line of renderDryRun([long], { color: false }).split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(renderDryRun([long], { color: false, columns: 400 })).toContain(
      `POST   /v1/users {"note":"${'n'.repeat(300)}"}\n`,
    );
  });

  it('caps the list and counts the rest', () => {
    const text = renderDryRun(requests, { color: false, max: 1 });
    expect(text).toContain('Requests apply would send (3):');
    expect(text).toContain('POST   /v1/users');
    expect(text).not.toContain('PATCH');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '  … and 2 more requests not shown (clerk-sync plan --format json lists every operation)',
    );
  });

  it('colours methods only when asked', () => {
    expect(hasAnsi(renderDryRun(requests, { color: false }))).toBe(false);
    const coloured = renderDryRun(requests, { color: true });
    expect(coloured).toContain('\u001b[32mPOST\u001b[39m');
    expect(coloured).toContain('\u001b[31mDELETE\u001b[39m');
  });

  it('says so when there is nothing to send', () => {
    expect(renderDryRun([], { color: false })).toBe('Requests apply would send (0):\n');
  });
});

describe('compactBody', () => {
  it('is compact JSON, empty without a body', () => {
    expect(compactBody({ a: [1, 2], b: { c: null } })).toBe('{"a":[1,2],"b":{"c":null}}');
    expect(compactBody(undefined)).toBe('');
  });
});
