// Email address and phone number endpoints (POST/GET/PATCH/DELETE /email_addresses and /phone_numbers). Adding,
// verifying, promoting or removing an identifier changes its user, so the user's updated_at moves too.

import { newId } from './ids.ts';
import { ClerkApiProblem, lastIdentificationDeletion, notFound, paramValueInvalid } from './problem.ts';
import type { IdentRecord, UserRecord } from './records.ts';
import { type HandlerContext, type HandlerResult, ok, type RouteDefinition } from './router.ts';
import { wireEmail, wirePhone } from './serialize.ts';
import type { Store } from './store.ts';
import { requireUser } from './user-rules.ts';
import { bodySpec, checkBody, normalizeEmail, normalizePhone } from './validate.ts';

interface IdentKind {
  object: 'email_address' | 'phone_number';
  /** Path parameter name, as in the spec. */
  param: 'email_address_id' | 'phone_number_id';
  label: string;
  list: (user: UserRecord) => IdentRecord[];
  primaryField: 'primary_email_address_id' | 'primary_phone_number_id';
  normalize: (value: string) => string;
  assertFree: (store: Store, value: string) => void;
  add: (store: Store, user: UserRecord, ident: IdentRecord) => void;
  wire: (ident: IdentRecord) => unknown;
}

const EMAIL: IdentKind = {
  object: 'email_address',
  param: 'email_address_id',
  label: 'email address',
  list: (user) => user.emails,
  primaryField: 'primary_email_address_id',
  normalize: (value) => normalizeEmail(value),
  assertFree: (store, value) => store.assertEmailFree(value),
  add: (store, user, ident) => store.addEmail(user, ident),
  wire: wireEmail,
};

const PHONE: IdentKind = {
  object: 'phone_number',
  param: 'phone_number_id',
  label: 'phone number',
  list: (user) => user.phones,
  primaryField: 'primary_phone_number_id',
  normalize: (value) => normalizePhone(value),
  assertFree: (store, value) => store.assertPhoneFree(value),
  add: (store, user, ident) => store.addPhone(user, ident),
  wire: wirePhone,
};

const CREATE_EMAIL = bodySpec({
  user_id: 'string!',
  email_address: 'string!',
  verified: 'boolean?',
  primary: 'boolean?',
  notify_primary_email_address_changed: 'boolean?',
});
const UPDATE_EMAIL = bodySpec({
  verified: 'boolean?',
  primary: 'boolean?',
  notify_primary_email_address_changed: 'boolean?',
});
const CREATE_PHONE = bodySpec({
  user_id: 'string!',
  phone_number: 'string!',
  verified: 'boolean?',
  primary: 'boolean?',
  reserved_for_second_factor: 'boolean?',
});
const UPDATE_PHONE = bodySpec({ verified: 'boolean?', primary: 'boolean?', reserved_for_second_factor: 'boolean?' });

function findIdent(store: Store, kind: IdentKind, id: string | undefined): { user: UserRecord; ident: IdentRecord } {
  const user = id === undefined ? undefined : store.identOwners.get(id);
  const ident = user ? kind.list(user).find((item) => item.id === id) : undefined;
  if (!user || !ident) throw notFound(`No ${kind.label} was found with id ${id ?? ''}`);
  return { user, ident };
}

function create(kind: IdentKind, spec: ReturnType<typeof bodySpec>) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const body = checkBody(context.body ?? {}, spec);
    const user = requireUser(store, body.user_id as string);
    const value = kind.normalize(body[kind.object] as string);
    kind.assertFree(store, value);
    const verified = body.verified === true;
    if (body.primary === true && !verified) {
      throw paramValueInvalid('primary', `Only a verified ${kind.label} can be made primary.`);
    }
    const now = store.now();
    const ident: IdentRecord = {
      id: newId('idn'),
      value,
      verified,
      reserved: false,
      created_at: now,
      updated_at: now,
    };
    const first = kind.list(user).length === 0;
    kind.add(store, user, ident);
    // "Default: false, unless it is the first" (spec, CreateEmailAddress.primary).
    if (body.primary === true || first) user[kind.primaryField] = ident.id;
    store.touchUser(user);
    return ok(kind.wire(ident));
  };
}

function update(kind: IdentKind, spec: ReturnType<typeof bodySpec>) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const { user, ident } = findIdent(store, kind, context.params[kind.param]);
    const body = checkBody(context.body ?? {}, spec);
    const verified = typeof body.verified === 'boolean' ? body.verified : ident.verified;
    if (body.primary === true && !verified) {
      throw paramValueInvalid('primary', `Only a verified ${kind.label} can be made primary.`);
    }
    if (verified !== ident.verified) {
      ident.verified = verified;
      ident.updated_at = store.stamp(ident.updated_at);
    }
    if (body.primary === true) user[kind.primaryField] = ident.id;
    store.touchUser(user);
    return ok(kind.wire(ident));
  };
}

/** 400 delete_linked_identification_disallowed (clerk-docs data/api_errors.json, DeleteLinkedCommNotAllowed). */
function linkedDeletion(): ClerkApiProblem {
  return new ClerkApiProblem(
    400,
    'delete_linked_identification_disallowed',
    'Deleting a linked email address is not allowed',
    'This email address is linked to one or more Connected Accounts. Remove the Connected Account before deleting this email address.',
  );
}

function remove(kind: IdentKind) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const { user, ident } = findIdent(store, kind, context.params[kind.param]);
    if (store.settings.identification_deletion_protected) {
      if ((ident.linked_to ?? []).length > 0) throw linkedDeletion();
      // A username is an identification too: with one, the last email or phone may go.
      if (user.emails.length + user.phones.length === 1 && user.username === null) throw lastIdentificationDeletion();
    }
    store.removeIdent(user, ident.id);
    store.touchUser(user);
    return ok({ object: kind.object, id: ident.id, deleted: true });
  };
}

function read(kind: IdentKind) {
  return (context: HandlerContext): HandlerResult =>
    ok(kind.wire(findIdent(context.store, kind, context.params[kind.param]).ident));
}

export const IDENTIFIER_ROUTES: RouteDefinition[] = [
  { method: 'POST', path: '/email_addresses', handler: create(EMAIL, CREATE_EMAIL) },
  { method: 'GET', path: '/email_addresses/{email_address_id}', handler: read(EMAIL) },
  { method: 'PATCH', path: '/email_addresses/{email_address_id}', handler: update(EMAIL, UPDATE_EMAIL) },
  { method: 'DELETE', path: '/email_addresses/{email_address_id}', handler: remove(EMAIL) },
  { method: 'POST', path: '/phone_numbers', handler: create(PHONE, CREATE_PHONE) },
  { method: 'GET', path: '/phone_numbers/{phone_number_id}', handler: read(PHONE) },
  { method: 'PATCH', path: '/phone_numbers/{phone_number_id}', handler: update(PHONE, UPDATE_PHONE) },
  { method: 'DELETE', path: '/phone_numbers/{phone_number_id}', handler: remove(PHONE) },
];
