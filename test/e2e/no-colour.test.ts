// `npm test` and `npm run test:fast` print no escape sequences when their output is not a terminal: vitest's
// colours (tinyrainbow colours unless NO_COLOR, whatever the stream) and the cursor Ink's exit hook restores.
// Runs the real script on three files whose runs used to print them, with stdout and stderr piped.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('test scripts on a pipe', () => {
  it('npm run test:fast prints no escape sequence', async () => {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      // The outer run's own settings must not decide the inner one's colours.
      if (value === undefined || name.startsWith('VITEST') || ['NO_COLOR', 'FORCE_COLOR', 'CI'].includes(name))
        continue;
      env[name] = value;
    }
    env.TERM = 'xterm-256color';
    const files = ['test/util/plural.test.ts', 'test/ui/render.test.ts', 'test/ui/ConfirmPrompt.test.tsx'];
    const child = spawn('npm', ['run', 'test:fast', '--', ...files], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code, output).toBe(0);
    expect(output).toMatch(/Test Files {2}3 passed/);
    const escapes = output
      .split('\u001b')
      .slice(1)
      .map((after) => JSON.stringify(`\u001b${after.slice(0, 8)}`));
    expect(escapes).toEqual([]);
  }, 120_000);
});
