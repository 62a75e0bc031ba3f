// Interactive confirmation before apply. On a terminal an Ink prompt reads keys in raw mode; Ink turns raw mode off
// again and releases stdin when the prompt unmounts, so the terminal is usable afterwards. When stdin is not a
// terminal (raw mode impossible) one line is read instead. Either way only `yes` approves.
// Ink draws no live frame when CI or CONTINUOUS_INTEGRATION is set (package is-in-ci, read once at import: Ink only
// prints the last frame at unmount), so a prompt there would stay invisible: the line prompt is used instead.

import { createInterface } from 'node:readline';
import { render } from 'ink';
import { createElement } from 'react';
import { ConfirmPrompt, isApproval } from './ConfirmPrompt.tsx';
import { withUsableSize } from './terminal-size.ts';

export interface ConfirmOptions {
  message: string;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  /** @default false */
  color?: boolean;
  /** The environment, to tell whether Ink would draw live frames. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Mirrors the is-in-ci package Ink uses: a set variable other than `0` or `false` means CI. */
export function inkDrawsLiveFrames(env: NodeJS.ProcessEnv): boolean {
  const set = (name: string): boolean => {
    const value = env[name];
    return value !== undefined && value !== '0' && value !== 'false';
  };
  return !set('CI') && !set('CONTINUOUS_INTEGRATION');
}

/** Resolves true only when the user typed `yes` and Enter; any other answer, Ctrl+C, or end of input is false. */
export async function confirm(options: ConfirmOptions): Promise<boolean> {
  const stdin = options.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
  if (stdin.isTTY !== true || !inkDrawsLiveFrames(options.env ?? process.env)) return confirmLine(options);
  let accepted = false;
  // Ink is typed for process streams; a TTY stdin and any writable stdout are what it actually uses.
  const instance = render(
    createElement(ConfirmPrompt, {
      message: options.message,
      color: options.color ?? false,
      onAnswer: (answer: boolean) => {
        accepted = answer;
      },
    }),
    {
      stdin: options.stdin as NodeJS.ReadStream,
      stdout: withUsableSize(options.stdout) as NodeJS.WriteStream,
      // Ctrl+C is an answer ("no") here, handled by the prompt; the caller decides what happens next.
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    instance.unmount();
    instance.cleanup();
  }
  return accepted;
}

async function confirmLine(options: ConfirmOptions): Promise<boolean> {
  options.stdout.write(`${options.message}\n  Enter a value: `);
  const lines = createInterface({ input: options.stdin, terminal: false });
  try {
    for await (const line of lines) return isApproval(line);
    return false;
  } finally {
    lines.close();
  }
}
