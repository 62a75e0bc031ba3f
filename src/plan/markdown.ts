// renderPlanMarkdown: the plan as a pull-request comment (and job summary). First what it is for (manifest,
// instance), then what apply will refuse and the warnings, then the summary tables with readable operation names,
// the destructive changes a reviewer must not miss, and one <details> block per organization/user with a ```diff
// block. GitHub refuses comments over 65,536 characters, so the output stops adding blocks before `maxChars` and
// says how many are left.
//
// The manifest is written by whoever opens the pull request, so nothing it says may become Markdown or HTML: user
// text goes only into code spans, <code> elements (HTML-escaped) or fenced blocks (fence longer than any backtick
// run), always on one line (safe-text.ts). Code is where GitHub renders no HTML, link, image or @mention.

import { plural } from '../util/plural.ts';
import { isDestructive, PHASES } from './order.ts';
import { describeWarning, operationName, presentPlan, readLine, targetLine } from './present.ts';
import { oneLine } from './safe-text.ts';
import type { Plan, PlanPresentation, PlanWarning, PresentedGroup, PresentedLine } from './types.ts';

export interface MarkdownOptions {
  /** Upper bound on the output length. @default 60000 (GitHub's comment limit is 65,536). */
  maxChars?: number;
}

const DEFAULT_MAX_CHARS = 60_000;
/** Room kept for the closing "… and N more" line. */
const FOOTER_RESERVE = 200;

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function longestRun(text: string, pattern: RegExp): number {
  return Math.max(0, ...(text.match(pattern) ?? []).map((run) => run.length));
}

/** Inline code on one line that survives backticks in the text. */
export function codeSpan(text: string): string {
  const safe = oneLine(text);
  if (safe === '') return '` `';
  const fence = '`'.repeat(longestRun(safe, /`+/g) + 1);
  // A space on each side lets the text start or end with a backtick; CommonMark strips one of each.
  return fence.length > 1 || safe.startsWith(' ') ? `${fence} ${safe} ${fence}` : `${fence}${safe}${fence}`;
}

/** A fenced block of lines (each made one line), fenced longer than any backtick run inside. */
function fencedBlock(info: string, lines: readonly string[]): string {
  const text = lines.map(oneLine).join('\n');
  const fence = '`'.repeat(Math.max(3, longestRun(text, /`{3,}/g) + 1));
  return `${fence}${info}\n${text}\n${fence}\n`;
}

function diffLines(line: PresentedLine): string[] {
  const hasBefore = line.before !== undefined;
  const hasAfter = line.after !== undefined;
  // On the line the manifest decides (the + of a change), which file set it.
  const setBy = line.setBy === undefined ? '' : `   (set by ${line.setBy})`;
  if (line.symbol === '~' && hasBefore && hasAfter) {
    return [`- ${line.label}: ${line.before}`, `+ ${line.label}: ${line.after}${setBy}`];
  }
  const sign = line.symbol === '-' ? '-' : '+';
  const value = line.symbol === '-' ? (line.before ?? line.after) : (line.after ?? line.before);
  return [`${sign} ${line.label}${value === undefined ? '' : `: ${value}`}${setBy}`];
}

function detailsBlock(group: PresentedGroup): string {
  const body: string[] = [];
  for (const op of group.operations) {
    body.push(`@@ ${op.title} @@`);
    for (const line of op.lines) body.push(...diffLines(line));
  }
  const count = group.operations.length;
  const title = `<code>${escapeHtml(oneLine(group.title))}</code>`;
  const summary = `${group.symbol} ${title} (${plural(count, 'change')})`;
  return `<details><summary>${summary}</summary>\n\n${fencedBlock('diff', body)}\n</details>\n`;
}

/** Which manifest (or journal) and which instance the plan is for. */
function subjectLines(plan: Plan): string {
  const source =
    plan.source.kind === 'manifest'
      ? `Manifest: ${plan.source.files.length > 0 ? plan.source.files.map(codeSpan).join(', ') : '(none)'}`
      : `Undo of the journal ${codeSpan(plan.source.journal)}`;
  const { apiUrl, environment } = plan.instance;
  const api = apiUrl === null ? 'an unknown API' : codeSpan(apiUrl);
  const env =
    environment === null ? 'environment unknown' : environment === 'production' ? '**production**' : environment;
  const read = plan.read === undefined ? '' : `  \n${readLine(plan.read)}`;
  const target = plan.target === undefined ? '' : `  \n**${escapeHtml(oneLine(targetLine(plan.target)))}**`;
  return `${source}  \nInstance: ${api} (${env})${read}${target}\n`;
}

function warningLines(warning: PlanWarning): string[] {
  const { headline, hint } = describeWarning(warning);
  return hint === undefined ? [headline] : [headline, `  hint: ${hint}`];
}

/**
 * Refusals, then warnings, each as a fenced block of compiler-style lines, within `budget` characters; what does not
 * fit is counted.
 */
function warningSections(presentation: PlanPresentation, budget: number): string {
  const refusals = presentation.warnings.filter((warning) => warning.severity === 'refusal');
  const warnings = presentation.warnings.filter((warning) => warning.severity !== 'refusal');
  let used = 0;
  const section = (list: PlanWarning[], heading: string, noun: string): string => {
    if (list.length === 0) return '';
    const lines: string[] = [];
    let shown = 0;
    for (const warning of list) {
      const entry = warningLines(warning);
      const size = entry.join('\n').length + 1;
      if (shown > 0 && used + size > budget) break;
      lines.push(...entry);
      used += size;
      shown += 1;
    }
    const more = list.length - shown;
    const rest = more > 0 ? `\n… and ${plural(more, `more ${noun}`)} (see the JSON plan)\n` : '';
    return `\n${heading}\n\n${fencedBlock('text', lines)}${rest}`;
  };
  return (
    section(
      refusals,
      `> [!CAUTION]\n> **Apply will refuse this plan** unless the flags named in the hints below are given (${plural(refusals.length, 'refusal')}).`,
      'refusal',
    ) + section(warnings, `> [!WARNING]\n> **${plural(warnings.length, 'warning')}** (apply goes ahead):`, 'warning')
  );
}

/** A code span in a table cell: GitHub splits a row at every `|`, inside code spans too, unless it is escaped. */
function cell(text: string): string {
  return codeSpan(text).replaceAll('|', '\\|');
}

/**
 * settings.policies' results: each policy on each subject, passed or what was refused, refusals first, within
 * `budget` characters (the rest counted). Subjects and messages quote manifest text: code spans only.
 */
function policySection(plan: Plan, budget: number): string {
  const results = plan.policies?.results;
  if (results === undefined) return '';
  const refused = results.filter((result) => result.status === 'refused');
  const passed = results.length - refused.length;
  let out = `\n#### Policies (${passed} passed, ${refused.length} refused)\n\n`;
  if (results.length === 0) return `${out}No policy applies to this plan.\n`;
  out += '| Policy | Subject | Result |\n|---|---|---|\n';
  const ordered = [...refused, ...results.filter((result) => result.status === 'passed')];
  let shown = 0;
  for (const result of ordered) {
    const at = result.source ?? result.policySource;
    const where = at === undefined ? '' : ` at ${cell(`${at.file}:${at.line}:${at.column}`)}`;
    const verdict =
      result.status === 'passed'
        ? '✅ passed'
        : `❌ **refused** ${cell(result.code ?? '')}${where}: ${cell(result.message)}`;
    const row = `| ${cell(result.policy)} | ${cell(result.subject)} | ${verdict} |\n`;
    if (shown > 0 && out.length + row.length > budget) break;
    out += row;
    shown += 1;
  }
  const more = ordered.length - shown;
  return more > 0 ? `${out}\n… and ${plural(more, 'more policy result')} (see the JSON plan)\n` : out;
}

export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const presentation = presentPlan(plan);
  const { summary } = presentation;
  let out = `### clerk-sync plan\n\n${subjectLines(plan)}`;
  // At most a quarter of the budget, so the plan itself still gets room.
  out += warningSections(presentation, maxChars / 4);
  out += policySection(plan, maxChars / 8);
  out += `\n**${presentation.summaryLine}**\n`;
  if (presentation.noChanges) {
    const subject = plan.target === undefined ? 'The live instance' : 'The targets';
    return `${out}\n${subject} already match${plan.target === undefined ? 'es' : ''} the manifest.\n`;
  }

  out += `\n| Create | Change | Delete | Users touched |\n|---:|---:|---:|---:|\n`;
  out += `| ${summary.create} | ${summary.change} | ${summary.delete} | ${summary.usersTouched} |\n`;
  out += `\n| Operation | Count |\n|---|---:|\n`;
  // update_membership_role has two phases; each type is listed once.
  for (const type of new Set(PHASES.map((phase) => phase.type))) {
    const count = summary.byType[type];
    if (count !== undefined) out += `| ${operationName(type)} | ${count} |\n`;
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
      const entry = `- **${operationName(op.type)}**: ${codeSpan(titles.get(op.id) ?? op.id)}\n`;
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
