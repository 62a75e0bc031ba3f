// The /users route table (docs/clerk-api.md#endpoints-we-call). Each family of endpoints lives in its own module:
// user-create (POST), user-update (PATCH and metadata), user-moderation (ban, lock, bulk, delete), user-passwords,
// user-mfa, user-extras (images, memberships, empty lists); identifiers.ts has emails and phones, user-list.ts the
// queries.

import { ok, okJson, type RouteDefinition } from './router.ts';
import { userJson, usersJson } from './serialize.ts';
import { createUser } from './user-create.ts';
import {
  billingNotEnabled,
  deleteMissingChild,
  emptyInvitations,
  emptyList,
  noOauthTokens,
  setProfileImage,
  userMemberships,
} from './user-extras.ts';
import { countUsers, listUsers } from './user-list.ts';
import { disableSecondFactor, verifyTotp } from './user-mfa.ts';
import { bulkBan, deleteUser, setBanned, setLocked } from './user-moderation.ts';
import { removePassword, setCompromised, verifyPassword } from './user-passwords.ts';
import { requireUser } from './user-rules.ts';
import { updateUser, userMetadata } from './user-update.ts';

export const USER_ROUTES: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/users',
    handler: ({ store, query }) => okJson(usersJson(store, listUsers(store, query))),
  },
  {
    method: 'GET',
    path: '/users/count',
    handler: ({ store, query }) => ok({ object: 'total_count', total_count: countUsers(store, query) }),
  },
  { method: 'POST', path: '/users', handler: ({ store, body }) => okJson(userJson(store, createUser(store, body))) },
  {
    method: 'GET',
    path: '/users/{user_id}',
    handler: ({ store, params }) => okJson(userJson(store, requireUser(store, params.user_id))),
  },
  { method: 'PATCH', path: '/users/{user_id}', handler: updateUser },
  { method: 'DELETE', path: '/users/{user_id}', handler: deleteUser },
  { method: 'POST', path: '/users/{user_id}/ban', handler: setBanned(true) },
  { method: 'POST', path: '/users/{user_id}/unban', handler: setBanned(false) },
  { method: 'POST', path: '/users/{user_id}/lock', handler: setLocked(true) },
  { method: 'POST', path: '/users/{user_id}/unlock', handler: setLocked(false) },
  { method: 'POST', path: '/users/ban', handler: bulkBan(true) },
  { method: 'POST', path: '/users/unban', handler: bulkBan(false) },
  { method: 'PATCH', path: '/users/{user_id}/metadata', handler: userMetadata('merge') },
  { method: 'PUT', path: '/users/{user_id}/metadata', handler: userMetadata('replace') },
  { method: 'POST', path: '/users/{user_id}/verify_password', handler: verifyPassword },
  { method: 'POST', path: '/users/{user_id}/verify_totp', handler: verifyTotp },
  { method: 'POST', path: '/users/{user_id}/remove_password', handler: removePassword },
  { method: 'GET', path: '/users/{user_id}/trusted_devices', handler: emptyList },
  { method: 'DELETE', path: '/users/{user_id}/trusted_devices/{trusted_device_id}', handler: deleteMissingChild },
  { method: 'GET', path: '/users/{user_id}/billing/subscription', handler: billingNotEnabled },
  { method: 'GET', path: '/users/{user_id}/billing/credits', handler: billingNotEnabled },
  { method: 'POST', path: '/users/{user_id}/billing/credits', handler: billingNotEnabled },
  { method: 'POST', path: '/users/{user_id}/profile_image', handler: setProfileImage(true), rawBody: true },
  { method: 'DELETE', path: '/users/{user_id}/profile_image', handler: setProfileImage(false) },
  { method: 'DELETE', path: '/users/{user_id}/mfa', handler: disableSecondFactor('mfa') },
  { method: 'DELETE', path: '/users/{user_id}/totp', handler: disableSecondFactor('totp') },
  { method: 'DELETE', path: '/users/{user_id}/backup_code', handler: disableSecondFactor('backup_code') },
  { method: 'DELETE', path: '/users/{user_id}/passkeys/{passkey_identification_id}', handler: deleteMissingChild },
  {
    method: 'DELETE',
    path: '/users/{user_id}/web3_wallets/{web3_wallet_identification_id}',
    handler: deleteMissingChild,
  },
  { method: 'DELETE', path: '/users/{user_id}/external_accounts/{external_account_id}', handler: deleteMissingChild },
  { method: 'POST', path: '/users/{user_id}/password/set_compromised', handler: setCompromised },
  { method: 'POST', path: '/users/{user_id}/password/unset_compromised', handler: setCompromised },
  { method: 'GET', path: '/users/{user_id}/organization_memberships', handler: userMemberships },
  { method: 'GET', path: '/users/{user_id}/organization_invitations', handler: emptyInvitations },
  { method: 'GET', path: '/users/{user_id}/oauth_access_tokens/{provider}', handler: noOauthTokens },
];
