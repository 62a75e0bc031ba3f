// How `plan --rehearse` reports: the rehearsal itself (src/apply/rehearse.ts) returns data, this renders it.

import type { RehearsalReport } from '../apply/rehearse.ts';
import { plural } from '../util/plural.ts';

/** The report for stderr: one summary sentence, then each refusal, leftover operation or copy problem. */
export function formatRehearsal(report: RehearsalReport): string {
  const lines: string[] = [];
  for (const item of report.notCopied) lines.push(`  not copied: ${item}`);
  if (report.planErrors.length > 0) {
    lines.push(
      `Rehearsal: the plan on the emulated copy has ${plural(report.planErrors.length, 'error')} the real plan does not (the copy differs from the instance):`,
    );
    for (const error of report.planErrors) lines.push(`  ${error.code}: ${error.message}`);
    return `${lines.join('\n')}\n`;
  }
  const applied = report.applied + report.unchanged;
  const second =
    report.remaining.length === 0
      ? 'a second plan shows No changes.'
      : `a second plan still has ${plural(report.remaining.length, 'operation')}.`;
  const skipped = report.skipped > 0 ? `, ${report.skipped} skipped` : '';
  lines.push(
    `Rehearsal: ${plural(applied, 'operation')} applied on an emulated copy, ${report.refused.length} refused${skipped}; ${second}`,
  );
  for (const item of report.refused) lines.push(`  refused: ${item.title} (${item.id}): ${item.code}: ${item.message}`);
  for (const title of report.remaining) lines.push(`  still planned: ${title}`);
  return `${lines.join('\n')}\n`;
}
