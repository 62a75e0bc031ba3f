// renderPlanMarkdown: the plan as a pull-request comment. Summary tables first, then the destructive changes a
// reviewer must not miss, then one <details> block per organization/user with a ```diff block. GitHub refuses
// comments over 65,536 characters, so the output stops adding blocks before `maxChars` and says how many are left.

import { isDestructive, PHASES } from './order.ts';
import { presentPlan } from './present.ts';
import type { Plan, PresentedGroup, PresentedLine } from './types.ts';

export interface MarkdownOptions {
  /** Upper bound on the output length. @default 60000 (GitHub's comment limit is 65,536). */
  maxChars?: number;
}

const DEFAULT_MAX_CHARS = 60_000;
/** Room kept for the closing "… and N more" line. */
const FOOTER_RESERVE = 200;

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

function diffLines(line: PresentedLine): string[] {
  const hasBefore = line.before !== undefined;
  const hasAfter = line.after !== undefined;
  if (line.symbol === '~' && hasBefore && hasAfter) {
    return [`- ${line.label}: ${line.before}`, `+ ${line.label}: ${line.after}`];
  }
  const sign = line.symbol === '-' ? '-' : '+';
  const value = line.symbol === '-' ? (line.before ?? line.after) : (line.after ?? line.before);
  return [`${sign} ${line.label}${value === undefined ? '' : `: ${value}`}`];
}

function detailsBlock(group: PresentedGroup): string {
  const body: string[] = [];
  for (const op of group.operations) {
    body.push(`@@ ${op.title} @@`);
    for (const line of op.lines) body.push(...diffLines(line));
  }
  const text = body.join('\n');
  const longest = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const count = group.operations.length;
  const summary = `${group.symbol} ${escapeHtml(group.title)} (${count} change${count === 1 ? '' : 's'})`;
  return `<details><summary>${summary}</summary>\n\n${fence}diff\n${text}\n${fence}\n\n</details>\n`;
}

export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const presentation = presentPlan(plan);
  const { summary } = presentation;
  let out = `### clerk-sync plan\n\n**${presentation.summaryLine}**\n`;
  if (presentation.noChanges) return `${out}\nThe live instance already matches the manifest.\n`;

  out += `\n| Create | Change | Delete | Users touched |\n|---:|---:|---:|---:|\n`;
  out += `| ${summary.create} | ${summary.change} | ${summary.delete} | ${summary.usersTouched} |\n`;
  out += `\n| Operation | Count |\n|---|---:|\n`;
  // update_membership_role has two phases; each type is listed once.
  for (const type of new Set(PHASES.map((phase) => phase.type))) {
    const count = summary.byType[type];
    if (count !== undefined) out += `| \`${type}\` | ${count} |\n`;
  }

  const titles = new Map<string, string>();
  for (const group of presentation.groups) {
    for (const op of group.operations) titles.set(op.id, `${group.title}: ${op.title}`);
  }
  const destructive = plan.operations.filter(isDestructive);
  if (destructive.length > 0) {
    out += `\n#### Destructive changes (${destructive.length})\n\n`;
    let shown = 0;
    for (const op of destructive) {
      const entry = `- ${code(op.type)} ${escapeHtml(titles.get(op.id) ?? op.id)}\n`;
      // At most half the budget, so the per-user details still get room.
      if (out.length + entry.length + FOOTER_RESERVE > maxChars / 2) break;
      out += entry;
      shown += 1;
    }
    if (shown < destructive.length) {
      out += `- … and ${destructive.length - shown} more destructive changes (see the JSON plan)\n`;
    }
  }

  out += '\n#### Details\n\n';
  const groups = presentation.groups;
  let shown = 0;
  for (const group of groups) {
    const block = detailsBlock(group);
    if (out.length + block.length + FOOTER_RESERVE > maxChars) break;
    out += block;
    shown += 1;
  }
  const rest = groups.slice(shown);
  if (rest.length > 0) {
    const what = rest.every((group) => group.kind === 'user')
      ? rest.length === 1
        ? 'user'
        : 'users'
      : 'users and organizations';
    out += `\n… and ${rest.length} more ${what} (see the JSON plan)\n`;
  }
  return out;
}
