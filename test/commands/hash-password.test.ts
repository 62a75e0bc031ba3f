// hash-password at a terminal: raw mode (no echo) while the password is typed, backspace edits it, Enter ends it,
// the prompt goes to stderr and only the digest to stdout.

import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/commands/command.ts';
import { hashPasswordCommand } from '../../src/commands/hash-password.ts';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  });
  return { stream, text: () => text };
}

function terminal(keys: string[]): { io: CliIO; modes: boolean[]; stdout: () => string; stderr: () => string } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const modes: boolean[] = [];
  Object.assign(stdin, { setRawMode: (mode: boolean) => modes.push(mode) });
  const out = sink();
  const err = sink();
  const io: CliIO = {
    stdin,
    stdout: out.stream,
    stderr: err.stream,
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  };
  setImmediate(() => {
    for (const key of keys) stdin.write(key);
  });
  return { io, modes, stdout: out.text, stderr: err.text };
}

describe('hash-password at a terminal', () => {
  it('reads without echo until Enter, with backspace, and prints only the digest', async () => {
    const { bcryptVerify } = await import('hash-wasm');
    const tty = terminal(['Secret-Pass', 'x\u007f', '-2026!', '\r']);
    const code = await hashPasswordCommand.run({ values: { cost: '4' }, positionals: [] }, tty.io);
    expect(code).toBe(0);
    expect(tty.modes).toEqual([true, false]);
    expect(tty.stderr()).toBe('Password: \n');
    const digest = tty.stdout().trim();
    expect(await bcryptVerify({ password: 'Secret-Pass-2026!', hash: digest })).toBe(true);
  });

  it('gives up on Ctrl-C, leaving raw mode, with nothing on stdout', async () => {
    const tty = terminal(['abc', '\u0003']);
    await expect(hashPasswordCommand.run({ values: {}, positionals: [] }, tty.io)).rejects.toThrow(
      'no password was entered',
    );
    expect(tty.modes).toEqual([true, false]);
    expect(tty.stdout()).toBe('');
  });
});
