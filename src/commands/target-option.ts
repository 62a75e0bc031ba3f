// `--target user:KEY|org:SLUG` (repeatable), on plan and apply: an approved subset (src/plan/target.ts).

import type { ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';
import { parseTarget, type Target } from '../plan/index.ts';
import { type OptionValues, stringList } from './command.ts';

export const TARGET_OPTION: NonNullable<ParseArgsConfig['options']> = {
  target: { type: 'string', multiple: true },
};

export const TARGET_OPTION_HELP = `  --target user:KEY|org:SLUG
                        plan (or apply) only this user (its memberships too) or organization, and what it
                        depends on (the organization a new membership needs); repeatable. The rest is listed
                        as left out. The guards apply to the subset; a target missing a dependency is refused`;

/** The --target values, checked; undefined when none was given (the whole plan). */
export function targetsFrom(values: OptionValues): Target[] | undefined {
  const raw = stringList(values, 'target');
  if (raw.length === 0) return undefined;
  return raw.map((text) => {
    const target = parseTarget(text);
    if (target === undefined) {
      throw new UsageError(`--target must be user:KEY or org:SLUG, got ${JSON.stringify(text)}`, {
        hint: 'Name a user by its settings.userKey value (user:emp-001) or an organization by its key (org:acme).',
      });
    }
    return target;
  });
}
