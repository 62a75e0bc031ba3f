// One create, made idempotent: Clerk has no idempotency keys (docs/clerk-api.md#no-idempotency-keys), so after an
// outcome apply cannot know (no answer, a 5xx, an answer without an id) it looks the object up before sending the
// create again, and adopts what it finds. A create a completed run of the plan made is sent without a lookup (the
// plan was made from the live state since: a reset instance costs what the first seeding cost), and adopted if the
// instance refuses it as existing (docs/clerk-api.md#identifiers-are-unique-per-instance).

import { ApiError, isApiError } from '../errors.ts';
import { type ExecutionContext, idOf, isLocked, isUnknownOutcome, MAX_ATTEMPTS } from './execution.ts';
import { CREATED_KIND, type Success } from './known-ids.ts';
import { type CreateOp, lookUpCreated } from './lookups.ts';
import { toRequest } from './to-request.ts';

/** After an unknown outcome, these mean the earlier attempt succeeded (docs/clerk-api.md#errors-we-act-on). */
const ALREADY_EXISTS = new Set(['form_identifier_exists', 'already_a_member_in_organization']);

/** One attempt's result: the object, or why to try again (and whether an earlier attempt may have made it). */
type Attempt = { success: Success } | { error: unknown; uncertain: boolean };

function lookUp(op: CreateOp, context: ExecutionContext): Promise<string | undefined> {
  return lookUpCreated(op, {
    client: context.client,
    userKey: context.userKey,
    userId: context.ids.userIdOf(op),
    organizationId: context.ids.organizationIdOf(op),
  });
}

/**
 * Sends the create once. Throws what is a failure; returns what apply retries. `madeBefore`: a completed run of the
 * plan created it, so a refusal as existing is that object, already in place.
 */
async function attemptCreate(
  op: CreateOp,
  context: ExecutionContext,
  uncertain: boolean,
  madeBefore: boolean,
): Promise<Attempt> {
  const kind = CREATED_KIND[op.type];
  const spec = toRequest(op, context.ids, context.secrets);
  await context.writeIntent(op);
  try {
    // 'safe': the client retries a 429 (refused before any effect) but never repeats this POST after a 5xx.
    const id = idOf(await context.send(spec, 'safe'));
    if (id !== undefined) return { success: { status: 'done', created: { kind, id } } };
    // Created, but the answer did not say what: find it.
    const error = new ApiError(`${spec.method} ${spec.path}: the answer has no id`, {
      method: spec.method,
      path: spec.path,
      status: 200,
      code: 'api_response_invalid',
    });
    return { error, uncertain: true };
  } catch (error) {
    if (!isApiError(error)) throw error;
    if (isUnknownOutcome(error)) return { error, uncertain: true };
    if ((uncertain || madeBefore) && error.clerkCode !== undefined && ALREADY_EXISTS.has(error.clerkCode)) {
      // The earlier attempt whose answer was lost (or the completed run) did create it: adopt it.
      const found = await lookUp(op, context);
      const status = uncertain ? 'done' : 'unchanged';
      if (found !== undefined) return { success: { status, created: { kind, id: found } } };
      throw error;
    }
    if (isLocked(error) || (error.status === 404 && context.ids.touchesJustCreated(op))) return { error, uncertain };
    throw error;
  }
}

export async function executeCreate(op: CreateOp, context: ExecutionContext): Promise<Success> {
  const kind = CREATED_KIND[op.type];
  const { resumed } = context;
  const madeBefore = resumed.completedBefore.has(op.id);
  // An intent without an outcome in the journal: an earlier run may have created it before dying. An organization
  // a completed run created is looked up too: nothing unique refuses a second one (no slug on a new instance:
  // docs/clerk-api.md#organization-slugs-are-off-applications-created-after-2025-10-07).
  let uncertain = resumed.intentsBefore.has(op.id) || (madeBefore && op.type === 'create_organization');
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 1) await context.backoff(attempt - 1);
    if (uncertain) {
      const found = await lookUp(op, context);
      // Found before sending anything, and the journal says an earlier run created it: already in place.
      const status = attempt === 1 && (resumed.doneBefore.has(op.id) || madeBefore) ? 'unchanged' : 'done';
      if (found !== undefined) return { status, created: { kind, id: found } };
    }
    const result = await attemptCreate(op, context, uncertain, madeBefore);
    if ('success' in result) return result.success;
    lastError = result.error;
    uncertain = result.uncertain;
  }
  if (uncertain) {
    const found = await lookUp(op, context);
    if (found !== undefined) return { status: 'done', created: { kind, id: found } };
  }
  throw lastError;
}
