// The JSON Schema of the project file (clerk-sync.yaml): the environments one source of manifests serves, each with
// its manifest files, the NAME of the variable holding its secret key, its API URL and its request budget. Published
// as schema/project.schema.json; rules a schema cannot say well (a secret key written as a value) are in
// parse-project.ts.

import { API_VERSION } from '../manifest/schema.ts';

/** Environment variable names as POSIX shells accept them. */
export const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** Environment names: what `--env NAME` takes. */
export const ENVIRONMENT_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]*$';

export const PROJECT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://unpkg.com/clerk-sync/schema/project.schema.json',
  title: 'clerk-sync project',
  description:
    'The environments (instances) one set of manifests serves: `clerk-sync plan --env NAME` reads the files, key variable, API URL and budget of NAME. Never holds a secret key itself.',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'environments'],
  properties: {
    apiVersion: {
      title: 'Project format version',
      description: 'Always `clerk-sync/v1`.',
      const: API_VERSION,
    },
    environments: {
      title: 'Environments',
      description: 'By name (lower-case letters, digits, `-` and `_`): what `--env NAME` selects.',
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: ENVIRONMENT_NAME_PATTERN },
      additionalProperties: {
        title: 'Environment',
        type: 'object',
        additionalProperties: false,
        required: ['files'],
        properties: {
          files: {
            title: 'Manifest files',
            description:
              'Manifest files or directories, relative to the project file: the base files, then the overlays (`overlay: true`) in the order they apply.',
            type: 'array',
            minItems: 1,
            items: { type: 'string', minLength: 1 },
          },
          secretKeyEnv: {
            title: 'Secret key variable',
            description:
              "The NAME of the environment variable that holds this instance's secret key (default CLERK_SECRET_KEY), e.g. STAGING_CLERK_SECRET_KEY. Never the key itself.",
            type: 'string',
            pattern: VARIABLE_NAME_PATTERN,
            default: 'CLERK_SECRET_KEY',
          },
          apiUrl: {
            title: 'API URL',
            description:
              'The Clerk Backend API base URL of this instance (default: $CLERK_API_URL or https://api.clerk.com/v1).',
            type: 'string',
            minLength: 1,
          },
          rateLimit: {
            title: 'Rate limit',
            description: 'An exact request budget, like --rate-limit: `900/10s`. Not together with rateShare.',
            type: 'string',
            pattern: '^\\s*\\d+\\s*/\\s*\\d*\\s*(ms|s|m|h)\\s*$',
          },
          rateShare: {
            title: 'Rate share',
            description: "The share of Clerk's documented limit for the key, like --rate-share: above 0, at most 1.",
            type: 'number',
            exclusiveMinimum: 0,
            maximum: 1,
          },
        },
      },
    },
  },
} as const;
