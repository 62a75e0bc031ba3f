// PlanView and renderPlanText: layout of creates/changes/deletes, masking, No changes, wrapping at the terminal width,
// and colour only when asked for.

import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import * as facade from '../../src/ui/index.ts';
import { PlanView } from '../../src/ui/PlanView.tsx';
import { formatPlanRows, lineValue, plainPlanText, planRows } from '../../src/ui/plan-rows.ts';
import { INK_MAX_PLAN_ROWS, renderPlanText } from '../../src/ui/render.ts';
import { emptyPresentation, hasAnsi, plain, samplePresentation } from './fixtures.ts';

describe('PlanView', () => {
  it('shows groups, operations and field lines with their symbols, then the summary', () => {
    const { lastFrame } = render(<PlanView presentation={samplePresentation()} color={false} />);
    expect(plain(lastFrame())).toMatchInlineSnapshot(`
      "+ organization acme (Acme Inc)
          + create organization
              + name: "Acme Inc"
      + user emp-002 (bob@acme.test)
          + create user
              + emailAddresses: ["bob@acme.test"]
              + password: (sensitive)
              + privateMetadata.salary: (sensitive)
      ~ user emp-001 (alice@acme.test)
          ~ update profile
              ~ firstName: "Ada" -> "Adah"
          ~ update metadata (replace)
              + publicMetadata.role: "admin"
              - publicMetadata.legacy (1)
              ~ privateMetadata.salary: (sensitive) -> (sensitive)
          - remove from organization acme
              - membership acme (org:member)
      - user user_9 (old@acme.test)
          - delete user (prune: managed by clerk-sync, not in the manifest)
              - user ("old@acme.test")

      Plan: 2 to create, 2 to change, 2 to delete."
    `);
  });

  it('shows masked values faint, so (sensitive) is not read as data', () => {
    const { lastFrame } = render(<PlanView presentation={samplePresentation()} color={true} />);
    const frame = lastFrame() ?? '';
    expect(plain(frame)).toContain('+ password: (sensitive)');
    expect(frame).toContain('password\u001b[39m\u001b[2m: (sensitive)\u001b[22m');
    expect(frame).toContain('firstName\u001b[39m: "Ada" -> "Adah"');
  });

  it('says No changes with an explanation and no summary counts', () => {
    const { lastFrame } = render(<PlanView presentation={emptyPresentation()} color={false} />);
    const frame = plain(lastFrame());
    expect(frame).toMatch(/^No changes\. The live Clerk instance already matches the manifest/);
    expect(frame).not.toContain('Plan:');
  });

  it('prints the title above the plan', () => {
    const { lastFrame } = render(
      <PlanView presentation={samplePresentation()} color={false} title="Still different after apply:" />,
    );
    expect(plain(lastFrame()).split('\n').slice(0, 3)).toStrictEqual([
      'Still different after apply:',
      '',
      '+ organization acme (Acme Inc)',
    ]);
  });

  it('wraps long titles and values within 100 columns, continuing under the text, not the symbol', () => {
    const presentation = samplePresentation();
    const group = presentation.groups[2]!;
    group.title = `user emp-001 (${'very-long-local-part.'.repeat(6)}@acme.test)`;
    group.operations[0]!.lines[0]!.after = `"${'Adah '.repeat(30).trim()}"`;
    const { lastFrame } = render(<PlanView presentation={presentation} color={false} />);
    const lines = plain(lastFrame()).split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    const header = lines.findIndex((line) => line.startsWith('~ user emp-001'));
    // The title wraps: its continuation is indented by the symbol column.
    expect(lines[header + 1]).toMatch(/^ {2}\S/);
    expect(lines[header + 2]).toBe('    ~ update profile');
    const field = lines.findIndex((line) => line.startsWith('        ~ firstName: "Ada" -> "Adah'));
    expect(field).toBeGreaterThan(header);
    // Ink keeps the space it broke at, so the continuation may start one cell further in.
    expect(lines[field + 1]).toMatch(/^ {10} ?Adah/);
  });
});

describe('formatPlanRows', () => {
  it('gives exactly the Ink layout when nothing wraps, with and without colour', () => {
    for (const title of [undefined, 'Still different after apply:']) {
      const options = title === undefined ? {} : { title };
      const ink = render(<PlanView presentation={samplePresentation()} color={false} {...options} />);
      expect(formatPlanRows(planRows(samplePresentation(), { color: false, ...options }))).toBe(ink.lastFrame());
      const coloured = formatPlanRows(planRows(samplePresentation(), { color: true, ...options }));
      expect(plain(coloured)).toBe(ink.lastFrame());
      expect(coloured).toContain('\u001b[31m-\u001b[39m');
    }
    const empty = render(<PlanView presentation={emptyPresentation()} color={false} />);
    expect(formatPlanRows(planRows(emptyPresentation(), { color: false }))).toBe(empty.lastFrame());
  });
});

describe('lineValue', () => {
  it('formats changes, additions and removals like terraform plan', () => {
    expect(lineValue({ symbol: '~', label: 'firstName', before: '"Ada"', after: '"Adah"' })).toBe(': "Ada" -> "Adah"');
    expect(lineValue({ symbol: '+', label: 'publicMetadata.role', after: '"admin"' })).toBe(': "admin"');
    expect(lineValue({ symbol: '-', label: 'membership acme', before: 'org:member' })).toBe(' (org:member)');
    expect(lineValue({ symbol: '~', label: 'primaryEmailAddress', after: '"a@b.test"' })).toBe(
      ': (none) -> "a@b.test"',
    );
    expect(lineValue({ symbol: '+', label: 'banned' })).toBe('');
  });

  it('does not wrap a removed masked value in a second pair of parentheses', () => {
    const removed = { symbol: '-', label: 'privateMetadata.token', before: '(sensitive)', sensitive: true } as const;
    expect(lineValue(removed)).toBe(' (sensitive)');
    expect(lineValue({ symbol: '-', label: 'firstName', before: '(from ${NAME})' })).toBe(' (from ${NAME})');
  });
});

describe('renderPlanText', () => {
  it('has no ANSI codes without colour, and ends with one newline', () => {
    const text = renderPlanText(samplePresentation(), { color: false });
    expect(hasAnsi(text)).toBe(false);
    expect(text.endsWith('Plan: 2 to create, 2 to change, 2 to delete.\n')).toBe(true);
  });

  it('colours + green, ~ yellow and - red when colour is on', () => {
    const text = renderPlanText(samplePresentation(), { color: true });
    expect(hasAnsi(text)).toBe(true);
    expect(text).toContain('\u001b[32m+\u001b[39m');
    expect(text).toContain('\u001b[33m~\u001b[39m');
    expect(text).toContain('\u001b[31m-\u001b[39m');
  });

  it('produces the same text as the Ink view at the same width', () => {
    const { lastFrame } = render(<PlanView presentation={samplePresentation()} color={false} />);
    expect(renderPlanText(samplePresentation(), { color: false, columns: 100 })).toBe(`${lastFrame()}\n`);
  });

  it('wraps at the given width', () => {
    const presentation = samplePresentation();
    presentation.groups[0]!.operations[0]!.lines[0]!.after = `"${'x'.repeat(70)}"`;
    const narrow = renderPlanText(presentation, { color: false, columns: 60 });
    for (const line of narrow.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(renderPlanText(presentation, { color: false, columns: 120 })).toContain(`+ name: "${'x'.repeat(70)}"`);
  });

  it('writes plans too large for Ink as the same rows, unwrapped', () => {
    const base = samplePresentation();
    const user = base.groups[2]!;
    const count = Math.ceil(INK_MAX_PLAN_ROWS / 8) + 1;
    const groups = Array.from({ length: count }, (_, i) => ({ ...user, key: `user:emp-${i}`, title: `user emp-${i}` }));
    groups[0]!.operations = [
      {
        ...user.operations[0]!,
        lines: [{ symbol: '~', label: 'firstName', before: '"Ada"', after: `"${'A'.repeat(150)}"` }],
      },
    ];
    const text = renderPlanText({ ...base, groups }, { color: false });
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(INK_MAX_PLAN_ROWS);
    expect(lines).toContain(`        ~ firstName: "Ada" -> "${'A'.repeat(150)}"`);
    expect(lines).toContain(`~ user emp-${count - 1}`);
    expect(text.endsWith('\n\nPlan: 2 to create, 2 to change, 2 to delete.\n')).toBe(true);
  });

  it('the ui facade gives the same text, Ink loaded only for plans short enough for its layout', async () => {
    const base = samplePresentation();
    const user = base.groups[2]!;
    const long = {
      ...base,
      groups: Array.from({ length: Math.ceil(INK_MAX_PLAN_ROWS / 8) + 1 }, (_, i) => ({
        ...user,
        key: `user:emp-${i}`,
        title: `user emp-${i}`,
      })),
    };
    for (const presentation of [base, long, emptyPresentation()]) {
      for (const options of [
        { color: false },
        { color: true, columns: 200 },
        { color: true, columns: 60, title: 'Still different after apply:' },
        { color: false, columns: 30 },
      ]) {
        expect(await facade.renderPlanText(presentation, options)).toBe(renderPlanText(presentation, options));
      }
    }
    // Both paths were taken: plain lines when nothing wraps, Ink when something does.
    expect(plainPlanText(base, { color: true, fitColumns: 200 })).toBeDefined();
    expect(plainPlanText(emptyPresentation(), { color: false, fitColumns: 100 })).toBeDefined();
    expect(plainPlanText(base, { color: false, fitColumns: 30 })).toBeUndefined();
  });

  it('renders No changes as a single line', () => {
    expect(renderPlanText(emptyPresentation(), { color: false, columns: 200 })).toBe(
      'No changes. The live Clerk instance already matches the manifest; apply would send nothing.\n',
    );
  });
});

describe('refusals and warnings in the text plan', () => {
  const refused = {
    ...samplePresentation(),
    warnings: [
      {
        code: 'mass_delete',
        severity: 'refusal' as const,
        message: 'the plan deletes 12 users, more than the limit of 10',
        hint: 'Review the deletions, then raise --max-deletes or pass --allow-mass-delete.',
      },
      {
        code: 'inline_password',
        severity: 'warning' as const,
        message: 'user "\u001b[2Jx\nPlan: 0" has a password',
        source: { file: 'clerk/users.yaml', line: 7, column: 5 },
      },
    ],
  };

  it('follow the summary line on the same output, refusals first with their hints', () => {
    for (const text of [
      renderPlanText(refused, { color: false, columns: 200 }),
      plain(render(<PlanView presentation={refused} color={false} />).lastFrame()),
    ]) {
      const tail = text.slice(text.indexOf('Plan: 2 to create'));
      expect(tail.trimEnd()).toBe(
        [
          'Plan: 2 to create, 2 to change, 2 to delete.',
          '',
          'Apply will refuse this plan unless the flags named in the hints are given:',
          '    refusal[mass_delete]: the plan deletes 12 users, more than the limit of 10',
          '        hint: Review the deletions, then raise --max-deletes or pass --allow-mass-delete.',
          '',
          'Warnings (apply goes ahead):',
          '    warning[inline_password]: user "\\u001b[2Jx\\nPlan: 0" has a password (clerk/users.yaml:7:5)',
        ].join('\n'),
      );
    }
  });

  it('are shown on a plan without changes too, and coloured only when asked', () => {
    const empty = { ...emptyPresentation(), warnings: refused.warnings.slice(1) };
    const text = renderPlanText(empty, { color: true, columns: 200 });
    expect(plain(text)).toMatch(/^No changes\. .*\n\nWarnings \(apply goes ahead\):\n {4}warning\[inline_password\]/);
    expect(hasAnsi(text)).toBe(true);
    // The manifest's escape character never reaches the terminal.
    expect(text).not.toContain('\u001b[2J');
    expect(plain(text)).toContain('\\u001b[2Jx');
  });
});
