// The example GitHub workflows upload nothing that holds private metadata or environment values in clear: the plan
// file (public by construction) and the journal's public copy, with the journal itself only encrypted.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { publicJournalFile } from '../../src/apply/index.ts';

const DIR = resolve(import.meta.dirname, '../../examples/github');

interface Step {
  uses?: string;
  run?: string;
  with?: { path?: string };
}

function steps(file: string): Step[] {
  const workflow = parse(readFileSync(join(DIR, file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

function uploads(file: string): string[] {
  return steps(file)
    .filter((step) => step.uses?.startsWith('actions/upload-artifact'))
    .flatMap((step) => (step.with?.path ?? '').split('\n'))
    .map((path) => path.trim())
    .filter((path) => path !== '');
}

describe('example workflows', () => {
  it('apply-on-merge uploads the journal only encrypted, and its public copy', () => {
    const apply = steps('apply-on-merge.yml').find((step) => step.run?.includes('clerk-sync apply'));
    const journal = /--journal (\S+)/.exec(apply?.run ?? '')?.[1];
    expect(journal).toBe('.clerk-sync/journal.jsonl');
    expect(uploads('apply-on-merge.yml').sort()).toEqual(
      [publicJournalFile(journal as string), `${journal}.enc`].sort(),
    );
    const encrypt = steps('apply-on-merge.yml').find((step) => step.run?.includes('openssl enc'));
    expect(encrypt?.run).toContain(`-in ${journal} -out ${journal}.enc`);
  });

  it('plan-on-pull-request uploads the plan file and never allows a variable to be shown', () => {
    expect(uploads('plan-on-pull-request.yml')).toEqual(['plan.json']);
    for (const file of ['plan-on-pull-request.yml', 'apply-on-merge.yml', 'drift-nightly.yml']) {
      for (const step of steps(file)) expect(step.run ?? '').not.toContain('--show-env');
    }
  });
});
