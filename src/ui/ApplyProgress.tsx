// Live apply progress on a terminal: finished noteworthy operations (every failure; every operation in small runs)
// go to <Static>, so they stay in the scrollback and in captured logs, and one live status line below them shows a
// bar, done/failed/remaining counts, the request rate and the ETA. Pure function of the reducer state and a time.

import { Box, Static, Text } from 'ink';
import type { OperationOutcome } from '../apply/types.ts';
import { describeOutcome, formatDuration, formatRate } from './format.ts';
import { type ProgressLine, type ProgressState, progressStats } from './progress-state.ts';
import { BAR_WIDTH, GLYPH, paint, type Tone } from './theme.ts';

export interface ApplyProgressProps {
  state: ProgressState;
  /** The time the stats are computed for (same clock as the state's events). */
  now: number;
  color: boolean;
  /** Operation id -> what a reviewer recognises (`user emp-001 (alice@acme.test): create user`). */
  titles: ReadonlyMap<string, string>;
}

const STATUS_GLYPH: Record<OperationOutcome['status'], { glyph: string; tone: Tone }> = {
  done: { glyph: GLYPH.done, tone: 'ok' },
  unchanged: { glyph: GLYPH.unchanged, tone: 'muted' },
  failed: { glyph: GLYPH.failed, tone: 'error' },
  skipped: { glyph: GLYPH.skipped, tone: 'warn' },
};

export function progressBar(finished: number, total: number): string {
  const share = total <= 0 ? 1 : Math.min(1, finished / total);
  const full = Math.round(share * BAR_WIDTH);
  return GLYPH.barFull.repeat(full) + GLYPH.barEmpty.repeat(BAR_WIDTH - full);
}

function LineView(props: { line: ProgressLine; color: boolean; titles: ReadonlyMap<string, string> }) {
  const { line, color, titles } = props;
  if (line.kind === 'more_failures') {
    return (
      <Text>
        {paint('  Further failures are not listed here; the summary after apply lists them.', 'muted', color)}
      </Text>
    );
  }
  const { outcome } = line;
  const { glyph, tone } = STATUS_GLYPH[outcome.status];
  const described = describeOutcome(outcome);
  const detail = outcome.status === 'skipped' && described !== '' ? `skipped: ${described}` : described;
  return (
    <Box>
      <Box flexShrink={0} width={2}>
        <Text>{paint(glyph, tone, color)}</Text>
      </Box>
      <Text>
        {titles.get(outcome.id) ?? outcome.id}
        {detail === '' ? '' : paint(`  ${detail}`, outcome.status === 'failed' ? 'error' : 'muted', color)}
      </Text>
    </Box>
  );
}

export function ApplyProgress(props: ApplyProgressProps) {
  const { state, now, color, titles } = props;
  const stats = progressStats(state, now);
  const parts = [
    paint(`${stats.done + stats.unchanged} done`, 'ok', color),
    paint(`${stats.failed} failed`, stats.failed > 0 ? 'error' : 'muted', color),
  ];
  if (stats.skipped > 0) parts.push(paint(`${stats.skipped} skipped`, 'warn', color));
  parts.push(`${stats.remaining} remaining`);
  if (stats.requestsPerSecond !== undefined) parts.push(`${formatRate(stats.requestsPerSecond)} req/s`);
  if (stats.etaMs !== undefined && stats.remaining > 0) parts.push(`ETA ${formatDuration(stats.etaMs)}`);
  return (
    <Box flexDirection="column">
      <Static items={state.lines}>
        {(line) => <LineView key={line.key} line={line} color={color} titles={titles} />}
      </Static>
      <Text>
        {`${paint(progressBar(stats.finished, stats.total), 'ok', color)} ${stats.finished}/${stats.total}  `}
        {parts.join(paint(' · ', 'muted', color))}
      </Text>
      {stats.waitingMs > 0 && (
        // Its own line: the status line stays within a 100-column terminal.
        <Text>
          {paint(`Rate limited by Clerk (429): resuming in ${formatDuration(stats.waitingMs)}`, 'warn', color)}
        </Text>
      )}
    </Box>
  );
}
