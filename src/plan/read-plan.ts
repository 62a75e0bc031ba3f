// parsePlan: a saved plan file read back, checked for formatVersion, the full shape (the JSON Schema in plan-schema.ts,
// compiled ahead of time: src/generated) and what a schema cannot say (unique ids, dependencies that exist) before
// anything trusts it. The format is documented in docs/json-plan.md.

import { PlanError } from '../errors.ts';
import { plan as planValidator } from '../generated/document-validators.js';
import { isPlainObject } from '../util/json.ts';
import { type SchemaCheck, schemaCheck } from '../util/json-schema.ts';
import { PLAN_FORMAT_VERSION, type SavedPlan } from './types.ts';

// Its own module, out of the planner's index: the compiled schema is a megabyte of code (about 40 ms to load) that
// only the commands reading a plan file need.
const checkPlan: SchemaCheck = schemaCheck(planValidator);

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
