// Metadata updates. PATCH …/metadata deep-merges: nested objects merge recursively and a key set to null is deleted
// at any level; arrays and scalars are replaced (RFC 7386 merge-patch,
// docs/clerk-api.md#metadata-patch-merges-put-replaces). PUT replaces each provided top-level field wholesale.

export { mergeMetadata } from '../util/json.ts';
