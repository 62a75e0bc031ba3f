// `--only generate`: generated users of issue 18. `validate` of one 100,000-user `generate:` entry (keys from {i},
// faker names and a job title, metadata, a membership) beside `validate` of the same 100,000 users written out, in
// the same run: generated users must meet the validate goals of declared ones (scenario 1: <= 3 s, <= 500 MB).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFakeValues } from '../src/manifest/generate-fake.ts';
import { parseManifest } from '../src/manifest/index.ts';
import { median, type ScenarioContext } from './processes.ts';

export interface GeneratedContext extends ScenarioContext {
  users: number;
}

function generator(users: number): string {
  return [
    'apiVersion: clerk-sync/v1',
    'organizations:',
    '  - { slug: acme, name: Acme }',
    'generate:',
    `  - count: ${users}`,
    '    externalId: "load-{i:06}"',
    '    emailAddresses: ["load-{i:06}@example.test"]',
    '    firstName: "{firstName}"',
    '    lastName: "{lastName}"',
    '    publicMetadata: { cohort: load, title: "{jobTitle}", n: "{i}" }',
    '    memberships: [{ org: acme, role: org:member }]',
    '',
  ].join('\n');
}

/** The generator's users written out, as the manifest one would write without `generate:`. */
async function declared(text: string): Promise<string> {
  await loadFakeValues();
  const { desired } = parseManifest([{ file: 'generated.yaml', text }], { env: {} });
  if (!desired) throw new Error('bench/generated: the generator manifest does not parse');
  const lines = ['apiVersion: clerk-sync/v1', 'organizations:', '  - { slug: acme, name: Acme }', 'users:'];
  for (const user of desired.users) {
    const metadata = user.publicMetadata as { title: string; n: string };
    lines.push(
      `  - externalId: ${user.externalId}`,
      `    emailAddresses: [${user.emailAddresses?.[0]}]`,
      `    firstName: ${JSON.stringify(user.firstName)}`,
      `    lastName: ${JSON.stringify(user.lastName)}`,
      `    publicMetadata: { cohort: load, title: ${JSON.stringify(metadata.title)}, n: "${metadata.n}" }`,
      '    memberships: [{ org: acme, role: org:member }]',
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function scenarioGenerated(context: GeneratedContext): Promise<void> {
  const dir = join(context.work, 'generated');
  mkdirSync(dir, { recursive: true });
  const text = generator(context.users);
  const generatedFile = join(dir, 'generated.yaml');
  const declaredFile = join(dir, 'declared.yaml');
  writeFileSync(generatedFile, text);
  writeFileSync(declaredFile, await declared(text));
  const validate = (file: string, what: string) =>
    context.timed(1, { args: ['validate', '-f', file], expect: [0], what });
  // Side by side, alternating, so both see the same machine load; medians of the runs.
  const walls = { declared: [] as number[], generated: [] as number[] };
  const peaks = { declared: [] as number[], generated: [] as number[] };
  for (let run = 0; run < context.runs; run += 1) {
    const one = await validate(declaredFile, 'validate declared');
    walls.declared.push(one.wall);
    peaks.declared.push(one.peak);
    const other = await validate(generatedFile, 'validate generate:');
    walls.generated.push(other.wall);
    peaks.generated.push(other.peak);
  }
  const declaredRun = { wall: median(walls.declared), peak: median(peaks.declared) };
  const generatedRun = { wall: median(walls.generated), peak: median(peaks.generated) };
  const users = context.users.toLocaleString('en-US');
  const scenario = `11. validate ${users} generated users`;
  context.figure(scenario, 'wall time', `${generatedRun.wall.toFixed(2)} s`, '<= 3 s', generatedRun.wall <= 3);
  context.figure(scenario, 'peak RSS', `${Math.round(generatedRun.peak)} MB`, '<= 500 MB', generatedRun.peak <= 500);
  context.figure(
    scenario,
    'vs the same users declared',
    `${(generatedRun.wall / declaredRun.wall).toFixed(2)}x time (${declaredRun.wall.toFixed(2)} s), ${(generatedRun.peak / declaredRun.peak).toFixed(2)}x RSS`,
  );
}
