// `--only overlay`: issue 18's overlays at the 100,000-user size. `validate` of the clean manifest with an overlay
// that patches 1% of the users (lastName), removes 100 and adds 100, against `validate` of the manifest alone in the
// same run: the merge and the cross-checks of the merged manifest should cost little beside the parse (goal of
// this scenario, not of the issue: at most 1.5x, and the same 500 MB peak as scenario 1).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioContext } from './processes.ts';

export interface OverlayContext extends ScenarioContext {
  /** The clean 100k-user manifest directory. */
  clean: string;
}

/** The external ids of the clean manifest's users, in order. */
function externalIds(dir: string): string[] {
  const ids: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.startsWith('users-')) continue;
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/^ {2}- externalId: (\S+)$/gm)) {
      ids.push(match[1] as string);
    }
  }
  return ids;
}

function overlayText(ids: readonly string[]): string {
  const lines = ['apiVersion: clerk-sync/v1', 'overlay: true', 'users:'];
  for (let index = 0; index < ids.length; index += 100) lines.push(`  ${ids[index]}: {lastName: Overlay${index}}`);
  lines.push('remove:', '  users:');
  for (let index = 1; index < ids.length && index < 100 * 100; index += 100) lines.push(`    - ${ids[index]}`);
  lines.push('add:', '  users:');
  for (let index = 0; index < 100; index += 1) {
    lines.push(`    - externalId: overlay-${index}`, `      emailAddresses: [overlay-${index}@example.test]`);
  }
  return `${lines.join('\n')}\n`;
}

export async function scenarioOverlay(context: OverlayContext): Promise<void> {
  const ids = externalIds(context.clean);
  const overlay = join(context.work, 'overlay.yaml');
  writeFileSync(overlay, overlayText(ids));
  const alone = await context.timed(context.runs, {
    args: ['validate', '-f', context.clean],
    expect: [0],
    what: 'overlay: validate (base alone)',
  });
  const merged = await context.timed(context.runs, {
    args: ['validate', '-f', context.clean, '-f', overlay],
    expect: [0],
    what: 'overlay: validate (base + overlay)',
  });
  const scenario = `10. overlays (${ids.length.toLocaleString('en-US')} users, 1% patched)`;
  context.figure(scenario, 'validate, base alone', `${alone.wall.toFixed(2)} s, ${Math.round(alone.peak)} MB`);
  const ratio = merged.wall / alone.wall;
  context.figure(scenario, 'base + overlay: wall / base alone', `${ratio.toFixed(2)}x`, '<= 1.5x', ratio <= 1.5);
  context.figure(
    scenario,
    'base + overlay: peak RSS',
    `${Math.round(merged.peak)} MB`,
    '<= 500 MB',
    merged.peak <= 500,
  );
}
