// createApplyProgress: what apply reports while it runs, on stderr. On a terminal, an Ink view (<Static> lines for
// finished noteworthy operations, one live status line). Elsewhere (CI logs, pipes) plain lines, at most one every
// PLAIN_INTERVAL_MS or per 10% of the operations, plus the noteworthy lines: a 100k-operation run writes a few
// hundred lines, never one per request.

import { render, useStdout } from 'ink';
import { createElement, type ReactNode, useEffect } from 'react';
import type { ApplyEvent } from '../apply/types.ts';
import { ApplyProgress } from './ApplyProgress.tsx';
import { describeOutcome, formatStatus } from './format.ts';
import {
  initialProgress,
  type ProgressLine,
  type ProgressState,
  progressStats,
  reduceProgress,
} from './progress-state.ts';
import type { Output } from './render.ts';
import { withUsableSize } from './terminal-size.ts';
import { GLYPH, paint } from './theme.ts';

/** Minimum time between two plain status lines. */
export const PLAIN_INTERVAL_MS = 2000;
/** Minimum time between two Ink re-renders caused by events (Ink itself draws at most ~30 frames per second). */
const TTY_RERENDER_MS = 100;
/** Redraw this often without events, so ETA and the rate-limit countdown move during a pause. */
const TTY_TICK_MS = 500;

export interface ApplyProgressOptions {
  stream: Output;
  color: boolean;
  total: number;
  /** Operation id -> display title. */
  titles: Map<string, string>;
  /** Clock in milliseconds. @default Date.now */
  now?: () => number;
}

export interface ApplyProgressReporter {
  onEvent(event: ApplyEvent): void;
  /** Writes one line (a --verbose request, a notice) above the live display, which is drawn again below it. */
  log(line: string): void;
  /** Writes the final state and releases the terminal. Idempotent. */
  finish(): void;
}

export function createApplyProgress(options: ApplyProgressOptions): ApplyProgressReporter {
  const now = options.now ?? Date.now;
  const interactive =
    options.stream.isTTY === true && typeof (options.stream as Partial<NodeJS.WriteStream>).on === 'function';
  return interactive ? inkProgress(options, now) : plainProgress(options, now);
}

function plainLine(line: ProgressLine, options: ApplyProgressOptions): string {
  const { color } = options;
  if (line.kind === 'more_failures') return 'apply: further failures are not listed here; the summary lists them.';
  const { outcome } = line;
  const title = options.titles.get(outcome.id) ?? outcome.id;
  const detail = describeOutcome(outcome);
  const glyph =
    outcome.status === 'failed'
      ? paint(GLYPH.failed, 'error', color)
      : outcome.status === 'skipped'
        ? paint(GLYPH.skipped, 'warn', color)
        : outcome.status === 'unchanged'
          ? GLYPH.unchanged
          : paint(GLYPH.done, 'ok', color);
  return `${glyph} ${title}${detail === '' ? '' : ` (${detail})`}`;
}

function plainProgress(options: ApplyProgressOptions, now: () => number): ApplyProgressReporter {
  let state = initialProgress({ total: options.total, startedAt: now() });
  let printedLines = 0;
  let lastStatusAt = state.startedAt;
  let lastTenth = 0;
  let lastStatus = '';
  let finished = false;

  const writeStatus = (at: number): void => {
    const status = formatStatus(progressStats(state, at));
    if (status === lastStatus) return;
    options.stream.write(`apply: ${status}\n`);
    lastStatus = status;
    lastStatusAt = at;
  };

  return {
    onEvent(event) {
      if (finished) return;
      const at = now();
      state = reduceProgress(state, event, at);
      for (; printedLines < state.lines.length; printedLines++) {
        const line = state.lines[printedLines];
        if (line) options.stream.write(`${plainLine(line, options)}\n`);
      }
      if (event.type !== 'operation' && event.type !== 'request') return;
      const stats = progressStats(state, at);
      const tenth = stats.total > 0 ? Math.floor((stats.finished * 10) / stats.total) : 10;
      if (tenth > lastTenth || at - lastStatusAt >= PLAIN_INTERVAL_MS) {
        lastTenth = Math.max(lastTenth, tenth);
        writeStatus(at);
      }
    },
    log(line) {
      options.stream.write(`${line}\n`);
    },
    finish() {
      if (finished) return;
      finished = true;
      writeStatus(now());
    },
  };
}

/** Hands Ink's own writer out: it clears the live frame, writes, and draws the frame again (no stale copy). */
function WriteBridge(props: { onWriter: (write: (data: string) => void) => void; children?: ReactNode }) {
  const { write } = useStdout();
  const { onWriter } = props;
  useEffect(() => onWriter(write), [onWriter, write]);
  return props.children;
}

function inkProgress(options: ApplyProgressOptions, now: () => number): ApplyProgressReporter {
  let state: ProgressState = initialProgress({ total: options.total, startedAt: now() });
  let write: ((data: string) => void) | undefined;
  const onWriter = (writer: (data: string) => void): void => {
    write = writer;
  };
  const view = () =>
    createElement(
      WriteBridge,
      { onWriter },
      createElement(ApplyProgress, { state, now: now(), color: options.color, titles: options.titles }),
    );
  const instance = render(view(), {
    // Ink is typed for process streams; createApplyProgress checked this one is a TTY with `on` (resize events).
    stdout: withUsableSize(options.stream) as NodeJS.WriteStream,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  let lastRenderAt = now();
  let renderedLines = 0;
  let finished = false;
  const redraw = (): void => {
    lastRenderAt = now();
    renderedLines = state.lines.length;
    instance.rerender(view());
  };
  const tick = setInterval(redraw, TTY_TICK_MS);
  // The ticker must never keep the process alive after apply returned.
  tick.unref();
  return {
    onEvent(event) {
      if (finished) return;
      state = reduceProgress(state, event, now());
      if (state.lines.length !== renderedLines || now() - lastRenderAt >= TTY_RERENDER_MS) redraw();
    },
    log(line) {
      if (finished || write === undefined) options.stream.write(`${line}\n`);
      else write(`${line}\n`);
    },
    finish() {
      if (finished) return;
      finished = true;
      clearInterval(tick);
      redraw();
      instance.unmount();
      instance.cleanup();
    },
  };
}
