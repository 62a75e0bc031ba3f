// The Markdown plan (the pull-request comment and job summary) as a reviewer reads it: what it is for, refusals and
// warnings before anything else, readable operation names, and no way for manifest text to become Markdown or HTML.

import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/manifest/index.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  operationName,
  type Plan,
  renderPlanMarkdown,
  withReviewWarnings,
} from '../../src/plan/index.ts';
import { PHASES } from '../../src/plan/order.ts';
import { desiredState, desiredUser, liveUser, MARK, org, snapshot } from './builders.ts';

/** Ten managed live users, none in the manifest: with prune, a plan deletes them all. */
function pruneEverything(options = DEFAULT_PLAN_OPTIONS): Plan {
  const live = snapshot({
    users: Array.from({ length: 12 }, (_, index) =>
      liveUser(`user_${index}`, {
        externalId: `old-${index}`,
        emails: [`old${index}@acme.test`],
        privateMetadata: MARK,
      }),
    ),
  });
  const result = createPlan(desiredState([], { settings: { prune: true } }), live, options);
  expect(result.errors).toStrictEqual([]);
  return result.plan;
}

function manifestWarning(fields: Partial<Diagnostic> = {}): Diagnostic {
  return {
    file: 'clerk/users.yaml',
    line: 7,
    column: 5,
    severity: 'warning',
    code: 'inline_password',
    message: 'user "emp-001" has an inline password',
    hint: 'Read it from the environment: password: ${EMP_001_PASSWORD}',
    ...fields,
  };
}

describe('what the plan is for', () => {
  it('names the manifest files and the instance (API and environment) before anything else', () => {
    const plan: Plan = {
      ...pruneEverything({ ...DEFAULT_PLAN_OPTIONS, allowMassDelete: true, allowMassChange: true }),
      source: { kind: 'manifest', files: ['clerk/users.yaml', 'clerk/orgs.yaml'] },
      instance: { apiUrl: 'https://api.clerk.com', environment: 'production' },
    };
    const markdown = renderPlanMarkdown(plan);
    expect(markdown.startsWith('### clerk-sync plan\n\nManifest: `clerk/users.yaml`, `clerk/orgs.yaml`  \n')).toBe(
      true,
    );
    expect(markdown).toContain('Instance: `https://api.clerk.com` (**production**)\n');
    expect(markdown.indexOf('Instance:')).toBeLessThan(markdown.indexOf('**Plan:'));
  });

  it('names the journal of an undo plan, and says when the instance is not known', () => {
    const plan: Plan = {
      ...pruneEverything({ ...DEFAULT_PLAN_OPTIONS, allowMassDelete: true, allowMassChange: true }),
      source: { kind: 'undo', journal: '.clerk-sync/journal-abc.jsonl' },
      instance: { apiUrl: null, environment: null },
    };
    const markdown = renderPlanMarkdown(plan);
    expect(markdown).toContain('Undo of the journal `.clerk-sync/journal-abc.jsonl`');
    expect(markdown).toContain('Instance: an unknown API (environment unknown)');
  });
});

describe('refusals and warnings come first', () => {
  it('puts mass_delete and mass_change, with their hints, before the summary and the details', () => {
    const markdown = renderPlanMarkdown(pruneEverything());
    const refusalAt = markdown.indexOf('**Apply will refuse this plan**');
    expect(refusalAt).toBeGreaterThan(-1);
    expect(markdown).toContain('(2 refusals)');
    const massDelete = markdown.indexOf('refusal[mass_delete]: the plan deletes 12 users, more than the limit of 10');
    const massChange = markdown.indexOf('refusal[mass_change]: ');
    expect(massDelete).toBeGreaterThan(refusalAt);
    expect(massChange).toBeGreaterThan(refusalAt);
    expect(markdown).toContain('  hint: Review the deletions, then raise --max-deletes or pass --allow-mass-delete.');
    const summaryAt = markdown.indexOf('**Plan: 0 to create, 0 to change, 12 to delete.**');
    expect(summaryAt).toBeGreaterThan(massDelete);
    expect(summaryAt).toBeGreaterThan(massChange);
    expect(markdown.indexOf('#### Destructive changes')).toBeGreaterThan(summaryAt);
    expect(markdown.indexOf('<details>')).toBeGreaterThan(summaryAt);
  });

  it('shows no refusal section when the flags lift them', () => {
    const markdown = renderPlanMarkdown(
      pruneEverything({ ...DEFAULT_PLAN_OPTIONS, allowMassDelete: true, allowMassChange: true }),
    );
    expect(markdown).not.toContain('refuse');
    expect(markdown).not.toContain('[!CAUTION]');
  });

  it('lists the manifest and live-read warnings after the refusals, at their file:line:column', () => {
    const plan = withReviewWarnings(pruneEverything(), {
      manifest: [manifestWarning()],
      liveRead: ['GET /instance/organization_settings gave no creator_role: assuming org:admin'],
    });
    const markdown = renderPlanMarkdown(plan);
    const warningsAt = markdown.indexOf('> **2 warnings** (apply goes ahead):');
    expect(warningsAt).toBeGreaterThan(markdown.indexOf('refusal[mass_change]'));
    expect(markdown).toContain(
      'warning[inline_password]: user "emp-001" has an inline password (clerk/users.yaml:7:5)\n  hint: Read it from the environment: password: ${EMP_001_PASSWORD}\n',
    );
    expect(markdown).toContain(
      'warning[live_read]: GET /instance/organization_settings gave no creator_role: assuming org:admin\n',
    );
    expect(markdown.indexOf('**Plan:')).toBeGreaterThan(markdown.indexOf('warning[live_read]'));
  });

  it('shows warnings on a plan without changes too', () => {
    const { plan } = createPlan(desiredState([]), snapshot(), DEFAULT_PLAN_OPTIONS);
    const markdown = renderPlanMarkdown(withReviewWarnings(plan, { manifest: [manifestWarning()] }));
    expect(markdown).toContain('warning[inline_password]');
    expect(markdown.indexOf('warning[inline_password]')).toBeLessThan(markdown.indexOf('**No changes.**'));
  });

  it('keeps a long warning list to a quarter of the budget and counts the rest', () => {
    const many = Array.from({ length: 2000 }, (_, index) =>
      manifestWarning({ line: index + 1, message: `user "emp-${index}" has an inline password` }),
    );
    const markdown = renderPlanMarkdown(withReviewWarnings(pruneEverything(), { manifest: many }));
    expect(markdown.length).toBeLessThanOrEqual(60_000);
    expect(markdown).toContain('refusal[mass_delete]');
    const shown = markdown.match(/^warning\[inline_password\]/gm)?.length ?? 0;
    expect(shown).toBeGreaterThan(10);
    expect(markdown).toContain(`… and ${2000 - shown} more warnings (see the JSON plan)`);
    expect(markdown).toContain('<details>');
  });
});

describe('readable operation names', () => {
  it('names every operation type in words, never by its JSON type', () => {
    const types = [...new Set(PHASES.map((phase) => phase.type))];
    const names = types.map(operationName);
    expect(new Set(names).size).toBe(types.length);
    for (const name of names) expect(name).toMatch(/^[A-Z][a-z]+( [a-z()]+)*$/);
    expect(operationName('delete_user')).toBe('Delete user');
    expect(operationName('update_membership_role')).toBe('Change role');
    expect(operationName('remove_email_address')).toBe('Remove email address');
  });

  it('uses them in the operation table and the destructive list', () => {
    const markdown = renderPlanMarkdown(pruneEverything());
    expect(markdown).toContain('| Delete user | 12 |');
    expect(markdown).toContain('- **Delete user**: `user user_0 (old-0, old0@acme.test): delete user');
    expect(markdown).not.toContain('delete_user`');
  });
});

// ---- spoofing: what a pull request author can write must stay text ----

/** Each carries `pwn`, so any of it rendered outside code is found. */
const HOSTILE = [
  '</details><img src=x onerror=pwn()>',
  '[click](http://pwn.example)',
  '![pix](http://pwn.example/p.png)',
  '```\n</details>\n\n# pwn heading\n```',
  '~~~pwn',
  '`pwn` ``pwn``',
  '@pwn-octocat',
  'pwn | b | c',
  '<script>pwn()</script>',
  '<!-- pwn -->',
  '**pwn** _pwn_',
  '<https://pwn.example>',
  'www.pwn.example',
  '\u001b[31mpwn\u001b[0m',
  '\u202epwn',
  '\r\n\r\n| pwn | table |\n|---|---|',
];

/**
 * The Markdown with everything in code removed, as CommonMark reads it for what renderPlanMarkdown writes: fenced
 * blocks (closed by a fence at least as long), code spans (closed by a run of the same length) and, in the
 * `<details><summary>` HTML lines, `<code>` elements (their content must hold no `<`). Throws on an unclosed fence.
 */
function outsideCode(markdown: string): string {
  const kept: string[] = [];
  let fence: number | null = null;
  for (const line of markdown.split('\n')) {
    if (fence !== null) {
      const close = /^(`{3,})\s*$/.exec(line);
      if (close?.[1] && close[1].length >= fence) fence = null;
      continue;
    }
    const open = /^(`{3,})[^`]*$/.exec(line);
    if (open?.[1]) {
      fence = open[1].length;
      continue;
    }
    if (line.startsWith('<details>')) {
      kept.push(line.replace(/<code>[^<]*<\/code>/g, '<code></code>'));
      continue;
    }
    kept.push(stripCodeSpans(line));
  }
  if (fence !== null) throw new Error('a fenced block is never closed');
  return kept.join('\n');
}

function runAt(text: string, index: number): number {
  let end = index;
  while (text[end] === '`') end += 1;
  return end - index;
}

function stripCodeSpans(line: string): string {
  let out = '';
  let index = 0;
  while (index < line.length) {
    if (line[index] !== '`') {
      out += line[index];
      index += 1;
      continue;
    }
    const length = runAt(line, index);
    let close = -1;
    for (let at = index + length; at < line.length; ) {
      if (line[at] !== '`') {
        at += 1;
        continue;
      }
      const other = runAt(line, at);
      if (other === length) {
        close = at;
        break;
      }
      at += other;
    }
    if (close === -1) {
      out += '`'.repeat(length);
      index += length;
    } else {
      out += '<code-span>';
      index = close + length;
    }
  }
  return out;
}

function hostilePlan(): Plan {
  const users = HOSTILE.map((text, index) =>
    desiredUser(`${text} #${index}`, {
      externalId: `${text} #${index}`,
      emailAddresses: [`u${index}@acme.test`],
      firstName: text,
      publicMetadata: { [text]: text },
      memberships: [{ org: `${text} org`, role: 'org:admin' }],
    }),
  );
  const organizations = HOSTILE.map((text) => org(`${text} org`, text));
  // Managed live users the manifest no longer lists: prune deletes them (the destructive list shows their labels).
  const live = snapshot({
    users: HOSTILE.map((text, index) =>
      liveUser(`user_${index}`, { externalId: `${text} gone`, privateMetadata: MARK, username: text }),
    ),
  });
  const result = createPlan(desiredState(users, { settings: { prune: true }, organizations }), live, {
    ...DEFAULT_PLAN_OPTIONS,
    maxDeletes: 0,
  });
  expect(result.errors).toStrictEqual([]);
  const reviewed = withReviewWarnings(result.plan, {
    manifest: HOSTILE.map((text, index) =>
      manifestWarning({ file: `clerk/${text}.yaml`, line: index + 1, message: `user ${text}`, hint: text }),
    ),
    liveRead: HOSTILE,
  });
  return {
    ...reviewed,
    source: { kind: 'manifest', files: HOSTILE.map((text) => `clerk/${text}.yaml`) },
    instance: { apiUrl: `https://api.clerk.com/${HOSTILE.join('')}`, environment: 'production' },
  };
}

describe('manifest text cannot spoof the Markdown', () => {
  const plan = hostilePlan();
  const markdown = renderPlanMarkdown(plan, { maxChars: 10_000_000 });
  const outside = outsideCode(markdown);

  it('renders every hostile text, but only inside code', () => {
    expect(markdown).toContain('pwn');
    expect(outside).not.toContain('pwn');
    // Every user-derived place was rendered: keys, names, slugs, metadata, labels, files, warnings, the API URL.
    expect(plan.operations.length).toBeGreaterThan(HOSTILE.length * 3);
    expect(markdown.match(/warning\[inline_password\]/g)).toHaveLength(HOSTILE.length);
    expect(markdown.match(/warning\[live_read\]/g)).toHaveLength(HOSTILE.length);
  });

  it('closes every details block it opens, once per user and organization, and opens no other HTML', () => {
    const groups = HOSTILE.length * 3;
    expect(outside.match(/<details>/g)).toHaveLength(groups);
    expect(outside.match(/<\/details>/g)).toHaveLength(groups);
    const tags = outside.replace(/<\/?(details|summary|code)>/g, '').replace(/<code-span>/g, '');
    expect(tags).not.toContain('<');
    for (const line of outside.split('\n')) {
      if (line.startsWith('<'))
        expect(line).toMatch(/^(<details><summary>[+~-] <code><\/code> \(\d+ changes?\)<\/summary>|<\/details>)$/);
    }
  });

  it('adds no heading, link, image, table row or alert of its own', () => {
    const headings = outside.match(/^#+ .*$/gm);
    expect(headings).toStrictEqual([
      '### clerk-sync plan',
      `#### Destructive changes (${HOSTILE.length})`,
      '#### Details',
    ]);
    expect(outside).not.toMatch(/\]\(|!\[|https?:|www\./);
    const tableRows = outside.split('\n').filter((line) => line.startsWith('|'));
    expect(tableRows.every((row) => /^\|[ A-Za-z()|:-]*[\d| ]*\|$/.test(row))).toBe(true);
    expect(outside.match(/\[!(CAUTION|WARNING)\]/g)).toStrictEqual(['[!CAUTION]', '[!WARNING]']);
  });

  it('writes control and bidi characters as visible escapes', () => {
    // Only the line feeds it writes itself: no other control character, no bidi override.
    const controls = [...markdown].filter((char) => char !== '\n' && (char < ' ' || char === '\u202e'));
    expect(controls).toStrictEqual([]);
    expect(markdown).toContain('\\u001b[31mpwn\\u001b[0m');
    expect(markdown).toContain('\\u202epwn');
    expect(markdown).toContain('\\n</details>\\n\\n# pwn heading\\n');
  });

  it('keeps the summary of a details block in an escaped <code> element', () => {
    expect(markdown).toContain(
      '<summary>+ <code>organization &lt;/details&gt;&lt;img src=x onerror=pwn()&gt; org (&lt;/details&gt;&lt;img src=x onerror=pwn()&gt;)</code> (1 change)</summary>',
    );
  });

  it('lengthens a code span and a fence beyond the backticks inside', () => {
    expect(markdown).toContain('``` clerk/`pwn` ``pwn``.yaml ```');
    expect(markdown).toMatch(/\n````diff\n/);
  });
});

describe('a refused plan, as a reviewer reads it', () => {
  it('matches the stored snapshot (review a change to it like a change to the format)', async () => {
    const plan: Plan = {
      ...withReviewWarnings(pruneEverything(), {
        manifest: [manifestWarning()],
        liveRead: ['GET /instance/organization_settings gave no creator_role: assuming org:admin'],
      }),
      source: { kind: 'manifest', files: ['clerk/'] },
      instance: { apiUrl: 'https://api.clerk.com', environment: 'production' },
    };
    await expect(renderPlanMarkdown(plan)).toMatchFileSnapshot('__snapshots__/plan-comment-refused.md');
  });
});
