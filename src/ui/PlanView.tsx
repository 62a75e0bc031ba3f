// The plan as text, like `terraform plan`: one block per organization or user with its symbol, the operations under
// it, their field-level lines under those, then the summary line. Pure function of the presentation model; the
// content of each row comes from plan-rows.ts, this view only lays it out (long lines wrap under their text, so
// the symbol column stays clean).

import { Box, Text } from 'ink';
import type { PlanPresentation } from '../plan/index.ts';
import { planRows } from './plan-rows.ts';

export interface PlanViewProps {
  presentation: PlanPresentation;
  color: boolean;
  /** Printed above the plan, e.g. `Still different after apply:`. */
  title?: string;
}

export function PlanView(props: PlanViewProps) {
  const { presentation, color, title } = props;
  const rows = planRows(presentation, { color, ...(title !== undefined ? { title } : {}) });
  return (
    <Box flexDirection="column">
      {rows.map((row, index) => (
        // Rows have no identity of their own and the list is never reordered.
        // biome-ignore lint/suspicious/noArrayIndexKey: static list
        <Box key={index} paddingLeft={row.indent} marginTop={row.gapBefore ? 1 : 0}>
          {row.symbol !== undefined && (
            <Box flexShrink={0} width={2}>
              <Text>{row.symbol}</Text>
            </Box>
          )}
          <Text>{row.text}</Text>
        </Box>
      ))}
    </Box>
  );
}
