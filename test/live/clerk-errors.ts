// The errors a new instance answers, as Clerk's error catalog has them (clerk/clerk-docs data/api_errors.json at
// a7cebf5): `message` is the entry's shortMessage and `long_message` its longMessage with the placeholders filled
// (docs/clerk-api.md explains the mapping). Entries whose catalog messages are empty are checked by status and code.

import { expect } from 'vitest';
import { expectMatchesSpec } from '../helpers/openapi.ts';
import type { ApiResponse } from './api.ts';

export interface ExpectedError {
  status: number;
  code: string;
  message?: string;
  longMessage?: string | RegExp;
  /** `meta.param_name` */
  paramName?: string;
}

export const CATALOG = {
  /** UserDataMissing (users.go) */
  formDataMissing: {
    status: 422,
    code: 'form_data_missing',
    message: 'missing data',
    longMessage: /data doesn't match user requirements set for this instance$/,
  },
  /** FormInvalidPasswordLengthTooShort (forms.go; messages empty in the catalog) */
  passwordTooShort: { status: 422, code: 'form_password_length_too_short', paramName: 'password' },
  /** FormPwnedPassword (forms.go; messages empty in the catalog) */
  passwordPwned: { status: 422, code: 'form_password_pwned', paramName: 'password' },
  /** FormInvalidUsernameNeedsNonNumberCharCode (forms.go; messages empty in the catalog) */
  usernameNeedsNonNumber: { status: 422, code: 'form_username_needs_non_number_char', paramName: 'username' },
  /** LastIdentificationDeletionFailed (identifications.go) */
  lastIdentification: {
    status: 400,
    code: 'identification_deletion_failed',
    message: 'Deletion failed',
    longMessage: 'You cannot delete your last identification.',
  },
  /** LastRequiredIdentificationDeletionFailed (identifications.go; shortMessage empty) */
  lastRequiredIdentification: {
    status: 400,
    code: 'last_required_identification_deletion_failed',
    longMessage: /^You are required to maintain at least one .+ in your account at all times$/,
  },
  /** OrganizationSlugsDisabled (organizations.go) */
  slugsDisabled: {
    status: 403,
    code: 'organization_slugs_disabled',
    message: 'organization slugs not enabled',
    longMessage: 'This instance does not have slugs enabled for organizations.',
  },
  /** OrganizationRoleNotFound (organizations.go) */
  roleNotFound: {
    status: 404,
    code: 'resource_not_found',
    message: 'not found',
    longMessage: 'Organization role not found',
  },
  /** OrganizationMinimumPermissionsNeeded (organizations.go) */
  minimumPermissions: {
    status: 400,
    code: 'organization_minimum_permissions_needed',
    message: 'minimum organization permissions needed',
    longMessage: 'There has to be at least one organization member with the minimum required permissions',
  },
  /** UserQuotaExceeded (users.go); the tail after the first sentence is not in the catalog */
  userQuota: (cap: number): ExpectedError => ({
    status: 403,
    code: 'user_quota_exceeded',
    message: 'user quota exceeded',
    longMessage: new RegExp(`^You have reached your limit of ${cap} users\\.`),
  }),
  /** OrganizationMembershipQuotaExceeded (organizations.go) */
  membershipQuota: (limit: number): ExpectedError => ({
    status: 403,
    code: 'organization_membership_quota_exceeded',
    message: 'organization membership quota exceeded',
    longMessage: `You have reached your limit of ${limit} organization memberships, including outstanding invitations.`,
  }),
} as const satisfies Record<string, ExpectedError | ((n: number) => ExpectedError)>;

interface WireError {
  code?: unknown;
  message?: unknown;
  long_message?: unknown;
  meta?: { param_name?: unknown };
}

/** The first error of a ClerkErrors body, or undefined. */
export function firstError(response: ApiResponse): WireError | undefined {
  const errors = (response.body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors[0] as WireError | undefined) : undefined;
}

/**
 * Fails unless the response is exactly the expected Clerk error: status, code, the catalog's messages, and a body
 * that matches the spec's ClerkErrors schema for `method pathTemplate`. `expected` may list alternatives (Clerk
 * documents two codes for one rule); the one with the answered code is checked.
 */
export function expectClerkError(
  response: ApiResponse,
  expected: ExpectedError | readonly ExpectedError[],
  method: string,
  pathTemplate: string,
): void {
  const options = Array.isArray(expected) ? expected : [expected as ExpectedError];
  const error = firstError(response);
  const chosen = options.find((option) => option.code === error?.code) ?? (options[0] as ExpectedError);
  const actual: Record<string, unknown> = { status: response.status, code: error?.code };
  const wanted: Record<string, unknown> = { status: chosen.status, code: chosen.code };
  if (chosen.message !== undefined) {
    actual.message = error?.message;
    wanted.message = chosen.message;
  }
  if (chosen.longMessage !== undefined) {
    actual.long_message = error?.long_message;
    wanted.long_message =
      typeof chosen.longMessage === 'string' ? chosen.longMessage : expect.stringMatching(chosen.longMessage);
  }
  if (chosen.paramName !== undefined) {
    actual.param_name = error?.meta?.param_name;
    wanted.param_name = chosen.paramName;
  }
  expect(actual, `${method} ${pathTemplate} answered ${response.text.slice(0, 500)}`).toEqual(wanted);
  expectMatchesSpec(method, pathTemplate, response.status, response.body);
}
