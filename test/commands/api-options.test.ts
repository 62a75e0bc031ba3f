// The flags every command that talks to Clerk shares: --rate-share / --rate-limit reach the client config, every
// such command lists them in --help, and --verbose says the budget and the proxy without the key or proxy password.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resolveClientConfig } from '../../src/clerk/index.ts';
import { API_OPTIONS, describeClientConfig, openClient } from '../../src/commands/api-options.ts';
import type { CliIO } from '../../src/commands/command.ts';
import { COMMAND_NAMES, loadCommand } from '../../src/commands/registry.ts';
import { UsageError } from '../../src/errors.ts';

const LIVE_KEY = 'sk_live_apioptionstestkey0123456789';

function fakeIO(env: Record<string, string>): { io: CliIO; stderr: () => string } {
  let text = '';
  const stderr = new PassThrough();
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => {
    text += chunk;
  });
  const io: CliIO = {
    stdout: new PassThrough(),
    stderr,
    stdin: new PassThrough(),
    env,
    cwd: process.cwd(),
    signal: new AbortController().signal,
  };
  return { io, stderr: () => text };
}

describe('API options', () => {
  it('every command that opens a client takes --rate-share and --rate-limit and explains both in --help', async () => {
    const withApi: string[] = [];
    for (const name of COMMAND_NAMES) {
      const command = await loadCommand(name);
      if (!command || !('api-url' in command.options)) continue;
      withApi.push(name);
      expect(command.options['rate-share']).toEqual(API_OPTIONS['rate-share']);
      expect(command.help).toContain('--rate-share F');
      expect(command.help).toContain('default 0.5');
      expect(command.help).toContain('--rate-limit N/T');
      expect(command.help).toContain('NO_PROXY');
    }
    expect(withApi.sort()).toEqual(['apply', 'drift', 'export', 'plan', 'undo']);
  });

  it('turns --rate-share into the client budget and says it, and the proxy, on --verbose', async () => {
    const { io, stderr } = fakeIO({
      CLERK_SECRET_KEY: LIVE_KEY,
      HTTPS_PROXY: 'http://user:pr0xy-pass@proxy.corp:3128',
      NO_PROXY: '.internal',
    });
    const { client } = openClient({ 'rate-share': '0.2', verbose: true }, io);
    await client.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stderr().split('\n').filter(Boolean)).toEqual([
      "[http] rate budget: 200 requests per 10 s (0.2 of Clerk's 1000 requests per 10 s for a production key)",
      '[http] proxy: http://proxy.corp:3128 from HTTPS_PROXY, except NO_PROXY hosts (.internal)',
    ]);
    expect(stderr()).not.toContain('pr0xy-pass');
    expect(stderr()).not.toContain(LIVE_KEY);
  });

  it('describes the default budget and an exact --rate-limit', () => {
    expect(describeClientConfig(resolveClientConfig({ env: { CLERK_SECRET_KEY: 'sk_test_x' } }))).toEqual([
      "[http] rate budget: 50 requests per 10 s (0.5 of Clerk's 100 requests per 10 s for a development key)",
      '[http] proxy: none',
    ]);
    expect(
      describeClientConfig(
        resolveClientConfig({ env: { CLERK_SECRET_KEY: 'sk_test_x' }, flags: { rateLimit: '5/500ms' } }),
      )[0],
    ).toBe('[http] rate budget: 5 requests per 500 ms (--rate-limit)');
  });

  it('refuses --rate-limit and --rate-share together', () => {
    const { io } = fakeIO({ CLERK_SECRET_KEY: LIVE_KEY });
    expect(() => openClient({ 'rate-limit': '10/1s', 'rate-share': '0.5' }, io)).toThrow(UsageError);
  });
});
