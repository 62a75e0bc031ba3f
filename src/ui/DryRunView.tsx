// --dry-run: the exact requests apply would send, in order, one per line with the operation it belongs to. Bodies
// arrive already redacted (passwords never reach this view); they are shown as compact JSON.

import { Box, Text } from 'ink';
import type { PlannedRequest } from '../apply/types.ts';
import { plural } from './format.ts';
import { GLYPH, paint, type Tone } from './theme.ts';

export interface DryRunViewProps {
  requests: PlannedRequest[];
  color: boolean;
  /** Requests listed; the rest are counted. @default 200 */
  max?: number;
}

export const DEFAULT_DRY_RUN_MAX = 200;

const METHOD_TONE: Record<PlannedRequest['method'], Tone> = {
  GET: 'muted',
  POST: 'create',
  PUT: 'change',
  PATCH: 'change',
  DELETE: 'delete',
};

/** Compact JSON of a request body; '' when there is none. */
export function compactBody(body: unknown): string {
  if (body === undefined) return '';
  return JSON.stringify(body) ?? '';
}

/** The operations a request carries: one, or a bulk request's first few and how many more. */
export function operationsOf(request: PlannedRequest): string {
  const ids = request.operationIds ?? [request.operationId];
  if (ids.length <= 3) return ids.join(', ');
  return `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
}

export function DryRunView(props: DryRunViewProps) {
  const { requests, color } = props;
  const max = Math.max(0, props.max ?? DEFAULT_DRY_RUN_MAX);
  const shown = requests.slice(0, max);
  const hidden = requests.length - shown.length;
  return (
    <Box flexDirection="column">
      <Text>{paint(`Requests apply would send (${requests.length}):`, 'strong', color)}</Text>
      {shown.map((request, index) => {
        const body = compactBody(request.body);
        return (
          // One operation can send several requests; the position keeps keys unique and the order is fixed.
          // biome-ignore lint/suspicious/noArrayIndexKey: static list, never reordered
          <Box key={index} flexDirection="column" marginTop={1} paddingLeft={2}>
            <Text>{paint(`# ${operationsOf(request)}`, 'muted', color)}</Text>
            <Box>
              <Box flexShrink={0} width={7}>
                <Text>{paint(request.method, METHOD_TONE[request.method], color)}</Text>
              </Box>
              <Text>{body === '' ? request.path : `${request.path} ${body}`}</Text>
            </Box>
          </Box>
        );
      })}
      {hidden > 0 && (
        <Box marginTop={1} paddingLeft={2}>
          <Text>
            {paint(
              `${GLYPH.ellipsis} and ${plural(hidden, 'more request')} not shown (clerk-sync plan --format json lists every operation)`,
              'muted',
              color,
            )}
          </Text>
        </Box>
      )}
    </Box>
  );
}
