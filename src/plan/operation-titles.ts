// Each operation's title as reviewers read it in the plan (`user emp-001 (ada@acme.test): update profile`): how the
// apply progress, its summary and the rehearsal name an operation.

import { presentPlan } from './present.ts';
import type { Plan } from './types.ts';

export function operationTitles(plan: Plan): Map<string, string> {
  const titles = new Map<string, string>();
  for (const group of presentPlan(plan).groups) {
    for (const op of group.operations) titles.set(op.id, `${group.title}: ${op.title}`);
  }
  return titles;
}
