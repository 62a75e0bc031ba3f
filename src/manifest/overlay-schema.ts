// The JSON Schema of an overlay file (a manifest file with `overlay: true`, overlay.ts): patches by key, additions
// and removals. Field schemas are the manifest's own (src/fields rows), so a patched value is checked like a
// declared one; published as schema/overlay.schema.json.

import { schemaProperties } from '../fields/descriptor.ts';
import { ORGANIZATION_FIELDS } from '../fields/organization-fields.ts';
import { USER_FIELDS } from '../fields/user-fields.ts';
import { MANIFEST_SCHEMA } from './schema.ts';

const KEY_LIST = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  uniqueItems: true,
} as const;

export const OVERLAY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://unpkg.com/clerk-sync/schema/overlay.schema.json',
  title: 'clerk-sync overlay',
  description:
    'Changes one environment makes to the users and organizations the base manifest declares: patches by key, additions and explicit removals. Settings come from the base.',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'overlay'],
  properties: {
    apiVersion: MANIFEST_SCHEMA.properties.apiVersion,
    overlay: {
      title: 'Overlay',
      description: 'Always `true`: this file patches the files before it instead of declaring a manifest.',
      const: true,
    },
    users: {
      title: 'User patches',
      description:
        'By user key (the settings.userKey value): the fields to set on a user the base declares. Each field named replaces the base value whole (a list or a metadata object included); fields not named keep the base value.',
      type: 'object',
      additionalProperties: {
        title: 'User patch',
        type: 'object',
        additionalProperties: false,
        properties: schemaProperties(USER_FIELDS),
      },
    },
    organizations: {
      title: 'Organization patches',
      description: 'By organization key (slug): the name or metadata to set on an organization the base declares.',
      type: 'object',
      additionalProperties: {
        title: 'Organization patch',
        type: 'object',
        additionalProperties: false,
        properties: schemaProperties(ORGANIZATION_FIELDS.filter((row) => row.name !== 'slug')),
      },
    },
    add: {
      title: 'Additions',
      description: 'Users and organizations only this environment has, declared as in a manifest.',
      type: 'object',
      additionalProperties: false,
      properties: {
        users: MANIFEST_SCHEMA.properties.users,
        organizations: MANIFEST_SCHEMA.properties.organizations,
      },
    },
    remove: {
      title: 'Removals',
      description:
        'Users (by key) and organizations (by slug) the base declares that this environment does not manage. A removed organization takes the memberships in it along.',
      type: 'object',
      additionalProperties: false,
      properties: {
        users: { ...KEY_LIST, title: 'Removed users' },
        organizations: { ...KEY_LIST, title: 'Removed organizations' },
      },
    },
  },
} as const;
