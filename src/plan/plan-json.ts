// The saved-plan file: serializePlan writes the Plan as 2-space JSON (key order as built, so the same inputs give
// the same bytes); parsePlan reads one back and checks formatVersion, the full shape (the JSON Schema in
// plan-schema.ts) and what a schema cannot say (unique ids, dependencies that exist) before anything trusts it.
// The format is documented in docs/json-plan.md.

import { InternalError, PlanError } from '../errors.ts';
import { isPlainObject } from '../util/json.ts';
import { compileSchema, type SchemaCheck } from '../util/json-schema.ts';
import { PLAN_SCHEMA } from './plan-schema.ts';
import { PLAN_FORMAT_VERSION, type Plan, type PlanFingerprints, type SavedPlan } from './types.ts';

/** The plan's fingerprints; a plan made without them (PlanOptions.fingerprints false) cannot be saved or applied. */
export function fingerprintsOf(plan: Plan): PlanFingerprints {
  if (plan.fingerprints === null) {
    throw new InternalError('a plan computed without fingerprints was saved or applied', {
      hint: 'This is a bug in clerk-sync: plan with fingerprints wherever the plan is written or executed.',
    });
  }
  return plan.fingerprints;
}

export function serializePlan(plan: Plan): string {
  fingerprintsOf(plan);
  return `${JSON.stringify(plan, null, 2)}\n`;
}

// Compiled on first use: most commands never read a plan file.
let checkPlan: SchemaCheck | undefined;

function fail(path: string, expected: string): never {
  throw new PlanError(`not a valid clerk-sync plan: ${path} must be ${expected}`, {
    meta: { path },
    hint: 'Use a file written by `clerk-sync plan --out`, unmodified.',
  });
}

export function parsePlan(text: string): SavedPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanError('not a valid clerk-sync plan: the file is not JSON', {
      cause: error,
      hint: 'Use a file written by `clerk-sync plan --out`.',
    });
  }
  if (!isPlainObject(value)) fail('(root)', 'an object');
  if (value.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new PlanError(
      `unsupported plan formatVersion ${JSON.stringify(value.formatVersion)} (this clerk-sync reads ${PLAN_FORMAT_VERSION})`,
      {
        meta: { formatVersion: typeof value.formatVersion === 'number' ? value.formatVersion : null },
        hint: 'Plan again with this version of clerk-sync: `clerk-sync plan --out PLAN`.',
      },
    );
  }
  checkPlan ??= compileSchema(PLAN_SCHEMA);
  const problem = checkPlan(value);
  if (problem) fail(problem.path, problem.expected);
  const plan = value as unknown as SavedPlan;
  const ids = new Set<string>();
  plan.operations.forEach((op, index) => {
    if (ids.has(op.id)) fail(`operations[${index}].id`, `unique ("${op.id}" appears twice)`);
    ids.add(op.id);
  });
  plan.operations.forEach((op, index) => {
    op.dependsOn.forEach((dependency, position) => {
      if (!ids.has(dependency))
        fail(
          `operations[${index}].dependsOn[${position}]`,
          `the id of an operation in the plan ("${dependency}" is not)`,
        );
    });
  });
  return plan;
}
