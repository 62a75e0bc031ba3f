// The plan as text, like `terraform plan`: one block per organization or user with its symbol, the operations under
// it, their field-level lines under those, then the summary line. Pure function of the presentation model.

import { Box, Text } from 'ink';
import type { PlanPresentation, PresentedGroup, PresentedLine, PresentedOperation } from '../plan/index.ts';
import { GLYPH, paint, SYMBOL_TONE } from './theme.ts';

export interface PlanViewProps {
  presentation: PlanPresentation;
  color: boolean;
  /** Printed above the plan, e.g. `Still different after apply:`. */
  title?: string;
}

export const NO_CHANGES_EXPLANATION = 'The live Clerk instance already matches the manifest; apply would send nothing.';

/** Indentation per level, in cells. */
const INDENT = 4;

/** The text after a line's label: `: "Ada" -> "Adah"` for a change, `: "admin"` for an addition, ` (org:member)` for a removal. */
export function lineValue(line: PresentedLine): string {
  const { before, after } = line;
  if (line.symbol === '~') {
    if (before === undefined && after === undefined) return '';
    return `: ${before ?? '(none)'} ${GLYPH.arrow} ${after ?? '(none)'}`;
  }
  if (line.symbol === '-') {
    const value = before ?? after;
    return value === undefined ? '' : ` (${value})`;
  }
  const value = after ?? before;
  return value === undefined ? '' : `: ${value}`;
}

/**
 * A symbol and its text side by side, so a wrapped long text continues under the text and the symbol column stays
 * clean.
 */
function SymbolRow(props: { symbol: string; text: string; indent: number }) {
  return (
    <Box paddingLeft={props.indent}>
      <Box flexShrink={0} width={2}>
        <Text>{props.symbol}</Text>
      </Box>
      <Text>{props.text}</Text>
    </Box>
  );
}

function LineView(props: { line: PresentedLine; color: boolean }) {
  const { line, color } = props;
  const tone = SYMBOL_TONE[line.symbol];
  const value = lineValue(line);
  // Masked values stay visibly masked: faint, so nobody reads `(sensitive)` as the real value.
  const text = paint(line.label, tone, color) + (line.sensitive ? paint(value, 'muted', color) : value);
  return <SymbolRow indent={INDENT * 2} symbol={paint(line.symbol, tone, color)} text={text} />;
}

function OperationView(props: { operation: PresentedOperation; color: boolean }) {
  const { operation, color } = props;
  const tone = SYMBOL_TONE[operation.symbol];
  return (
    <Box flexDirection="column">
      <SymbolRow indent={INDENT} symbol={paint(operation.symbol, tone, color)} text={operation.title} />
      {operation.lines.map((line, index) => (
        // Lines have no id; their order within an operation is fixed by the planner.
        // biome-ignore lint/suspicious/noArrayIndexKey: static list, never reordered
        <LineView key={index} line={line} color={color} />
      ))}
    </Box>
  );
}

function GroupView(props: { group: PresentedGroup; color: boolean }) {
  const { group, color } = props;
  const tone = SYMBOL_TONE[group.symbol];
  return (
    <Box flexDirection="column">
      <SymbolRow indent={0} symbol={paint(group.symbol, tone, color)} text={paint(group.title, 'strong', color)} />
      {group.operations.map((operation) => (
        <OperationView key={operation.id} operation={operation} color={color} />
      ))}
    </Box>
  );
}

export function PlanView(props: PlanViewProps) {
  const { presentation, color, title } = props;
  return (
    <Box flexDirection="column">
      {title !== undefined && (
        <Box marginBottom={1}>
          <Text>{paint(title, 'strong', color)}</Text>
        </Box>
      )}
      {presentation.noChanges ? (
        <Text>{`${paint('No changes.', 'strong', color)} ${NO_CHANGES_EXPLANATION}`}</Text>
      ) : (
        <>
          {presentation.groups.map((group) => (
            <GroupView key={group.key} group={group} color={color} />
          ))}
          <Box marginTop={1}>
            <Text>{paint(presentation.summaryLine, 'strong', color)}</Text>
          </Box>
        </>
      )}
    </Box>
  );
}
