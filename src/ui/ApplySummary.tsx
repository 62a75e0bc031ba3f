// The report after apply: counts, every failed operation with Clerk's error code and message, skipped operations
// with their reasons (both lists capped, with "and N more"), requests sent and elapsed time.

import { Box, Text } from 'ink';
import type { ApplyResult, OperationOutcome } from '../apply/types.ts';
import { describeOutcome, formatDuration, plural } from './format.ts';
import { GLYPH, paint } from './theme.ts';

export interface ApplySummaryProps {
  result: ApplyResult;
  color: boolean;
  titles: ReadonlyMap<string, string>;
  /** Failed operations listed one by one. @default 100 */
  maxFailed?: number;
  /** Skipped operations listed one by one (often all the same reason). @default 20 */
  maxSkipped?: number;
}

export const DEFAULT_MAX_FAILED = 100;
export const DEFAULT_MAX_SKIPPED = 20;

function OutcomeList(props: {
  heading: string;
  outcomes: OperationOutcome[];
  max: number;
  glyph: string;
  tone: 'error' | 'warn';
  color: boolean;
  titles: ReadonlyMap<string, string>;
}) {
  const { outcomes, max, color, titles } = props;
  const shown = outcomes.slice(0, Math.max(0, max));
  const hidden = outcomes.length - shown.length;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>{paint(`${props.heading} (${outcomes.length}):`, 'strong', color)}</Text>
      {shown.map((outcome) => (
        <Box key={outcome.id} flexDirection="column" paddingLeft={2}>
          <Box>
            <Box flexShrink={0} width={2}>
              <Text>{paint(props.glyph, props.tone, color)}</Text>
            </Box>
            <Text>
              {titles.get(outcome.id) ?? outcome.id}
              {titles.has(outcome.id) ? paint(`  [${outcome.id}]`, 'muted', color) : ''}
            </Text>
          </Box>
          <Box paddingLeft={2}>
            <Text>{describeOutcome(outcome) || '(no detail reported)'}</Text>
          </Box>
        </Box>
      ))}
      {hidden > 0 && (
        <Box paddingLeft={2}>
          <Text>{paint(`${GLYPH.ellipsis} and ${hidden} more`, 'muted', color)}</Text>
        </Box>
      )}
    </Box>
  );
}

export function headline(result: ApplyResult): string {
  const counts = [
    `${result.done} applied`,
    `${result.unchanged} already in place`,
    `${result.failed} failed`,
    `${result.skipped} skipped`,
  ].join(', ');
  return result.failed + result.skipped > 0 ? `Apply finished with errors: ${counts}.` : `Apply complete: ${counts}.`;
}

export function ApplySummary(props: ApplySummaryProps) {
  const { result, color, titles } = props;
  const failed = result.outcomes.filter((outcome) => outcome.status === 'failed');
  const skipped = result.outcomes.filter((outcome) => outcome.status === 'skipped');
  const ok = result.failed + result.skipped === 0;
  return (
    <Box flexDirection="column">
      <Text>{paint(headline(result), ok ? 'ok' : 'error', color)}</Text>
      <Text>
        {paint(
          `${plural(result.requests, 'request')} sent in ${formatDuration(result.elapsedMs)}, retries included.`,
          'muted',
          color,
        )}
      </Text>
      {failed.length > 0 && (
        <OutcomeList
          heading="Failed"
          outcomes={failed}
          max={props.maxFailed ?? DEFAULT_MAX_FAILED}
          glyph={GLYPH.failed}
          tone="error"
          color={color}
          titles={titles}
        />
      )}
      {skipped.length > 0 && (
        <OutcomeList
          heading="Skipped"
          outcomes={skipped}
          max={props.maxSkipped ?? DEFAULT_MAX_SKIPPED}
          glyph={GLYPH.skipped}
          tone="warn"
          color={color}
          titles={titles}
        />
      )}
    </Box>
  );
}
