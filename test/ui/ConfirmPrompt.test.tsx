// The confirmation prompt: only `yes` + Enter approves, and the confirm() facade releases the terminal afterwards.

import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmPrompt, isApproval } from '../../src/ui/ConfirmPrompt.tsx';
import { confirm } from '../../src/ui/index.ts';
import { plain } from './fixtures.ts';

/** Renders the prompt and waits until Ink listens to stdin (its raw-mode effect runs after the first render). */
async function prompt() {
  const onAnswer = vi.fn<(accepted: boolean) => void>();
  const view = render(<ConfirmPrompt message="Do you want to apply these changes?" onAnswer={onAnswer} />);
  await vi.waitFor(() => expect(view.stdin.listenerCount('readable')).toBeGreaterThan(0));
  return { ...view, onAnswer };
}

describe('ConfirmPrompt', () => {
  it('resolves true for yes + Enter', async () => {
    const { stdin, onAnswer, frames } = await prompt();
    stdin.write('yes\r');
    await vi.waitFor(() => expect(onAnswer).toHaveBeenCalled());
    expect(onAnswer.mock.calls).toStrictEqual([[true]]);
    // The last drawn frame (with CI set, Ink adds a blank final write at exit): the answer, no cursor.
    const drawn = frames.map(plain).filter((frame) => frame.trim() !== '');
    expect(drawn.at(-1)).toBe('Do you want to apply these changes?\n  Enter a value: yes');
  });

  it('resolves false for no + Enter', async () => {
    const { stdin, onAnswer } = await prompt();
    stdin.write('no\r');
    await vi.waitFor(() => expect(onAnswer).toHaveBeenCalled());
    expect(onAnswer.mock.calls).toStrictEqual([[false]]);
  });

  it('reads keys typed one by one and honours backspace', async () => {
    const { stdin, onAnswer, lastFrame } = await prompt();
    for (const key of ['y', 'e', 'p', '\x7f', 's']) stdin.write(key);
    await vi.waitFor(() => expect(plain(lastFrame())).toContain('Enter a value: yes'));
    expect(onAnswer).not.toHaveBeenCalled();
    stdin.write('\r');
    await vi.waitFor(() => expect(onAnswer).toHaveBeenCalled());
    expect(onAnswer.mock.calls).toStrictEqual([[true]]);
  });

  it('declines on Ctrl+C and answers only once', async () => {
    const { stdin, onAnswer } = await prompt();
    stdin.write('ye');
    stdin.write('\x03');
    await vi.waitFor(() => expect(onAnswer).toHaveBeenCalled());
    stdin.write('s\r');
    expect(onAnswer.mock.calls).toStrictEqual([[false]]);
  });

  it('accepts only the exact word yes', () => {
    expect(isApproval('yes')).toBe(true);
    expect(isApproval('  yes ')).toBe(true);
    expect(isApproval('YES')).toBe(false);
    expect(isApproval('y')).toBe(false);
    expect(isApproval('yes please')).toBe(false);
  });
});

/** A TTY-like stdin: a real stream plus the raw-mode calls Ink makes, recorded. */
function fakeTtyStdin() {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean;
    rawModes: boolean[];
    setRawMode(mode: boolean): void;
    ref(): void;
    unref(): void;
  };
  stream.isTTY = true;
  stream.rawModes = [];
  stream.setRawMode = (mode) => {
    stream.rawModes.push(mode);
  };
  stream.ref = () => {};
  stream.unref = () => {};
  return stream;
}

function fakeStdout() {
  const out = new EventEmitter() as EventEmitter & { columns: number; text: string; write(s: string): boolean };
  out.columns = 100;
  out.text = '';
  out.write = (s) => {
    out.text += s;
    return true;
  };
  return out;
}

describe('confirm', () => {
  it('on a terminal: resolves true for yes, turns raw mode off again and stops reading stdin', async () => {
    const stdin = fakeTtyStdin();
    const stdout = fakeStdout();
    const answer = confirm({ message: 'Apply?', stdin, stdout: stdout as unknown as NodeJS.WritableStream, env: {} });
    await vi.waitFor(() => expect(stdin.listenerCount('readable')).toBeGreaterThan(0));
    stdin.write('yes\r');
    await expect(answer).resolves.toBe(true);
    expect(stdin.rawModes).toStrictEqual([true, false]);
    expect(stdin.listenerCount('readable')).toBe(0);
    expect(plain(stdout.text)).toContain('Apply?');
  });

  it('on a terminal: resolves false for anything else', async () => {
    const stdin = fakeTtyStdin();
    const stdout = fakeStdout();
    const answer = confirm({ message: 'Apply?', stdin, stdout: stdout as unknown as NodeJS.WritableStream, env: {} });
    await vi.waitFor(() => expect(stdin.listenerCount('readable')).toBeGreaterThan(0));
    stdin.write('no\r');
    await expect(answer).resolves.toBe(false);
    expect(stdin.rawModes.at(-1)).toBe(false);
  });

  it('on a terminal with CI set (Ink would draw nothing live): asks on one line instead of in raw mode', async () => {
    const stdin = fakeTtyStdin();
    const stdout = fakeStdout();
    const answer = confirm({
      message: 'Apply?',
      stdin,
      stdout: stdout as unknown as NodeJS.WritableStream,
      env: { CI: 'true' },
    });
    await vi.waitFor(() => expect(stdout.text).toContain('Enter a value: '));
    stdin.write('yes\n');
    await expect(answer).resolves.toBe(true);
    expect(stdin.rawModes).toStrictEqual([]);
    expect(stdout.text).toBe('Apply?\n  Enter a value: ');
  });

  it('without a terminal: reads one line', async () => {
    const stdout = fakeStdout();
    const yes = new PassThrough();
    const accepted = confirm({ message: 'Apply?', stdin: yes, stdout: stdout as unknown as NodeJS.WritableStream });
    yes.end('yes\n');
    await expect(accepted).resolves.toBe(true);
    expect(stdout.text).toBe('Apply?\n  Enter a value: ');

    const no = new PassThrough();
    const declined = confirm({
      message: 'Apply?',
      stdin: no,
      stdout: fakeStdout() as unknown as NodeJS.WritableStream,
    });
    no.end('nope\n');
    await expect(declined).resolves.toBe(false);

    const closed = new PassThrough();
    const ended = confirm({
      message: 'Apply?',
      stdin: closed,
      stdout: fakeStdout() as unknown as NodeJS.WritableStream,
    });
    closed.end();
    await expect(ended).resolves.toBe(false);
  });
});
