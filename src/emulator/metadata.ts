// Metadata updates. PATCH …/metadata deep-merges: nested objects merge recursively and a key set to null is deleted
// at any level; arrays and scalars are replaced (RFC 7386 merge-patch, clerk-api-notes §3.9). PUT replaces each
// provided top-level field wholesale.

import type { WireJson, WireMetadata } from '../clerk/index.ts';

function isObject(value: WireJson | undefined): value is WireMetadata {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a new object: `target` with `patch` merged in; neither argument is modified. */
export function mergeMetadata(target: WireMetadata, patch: WireMetadata): WireMetadata {
  const result: WireMetadata = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      const current = Object.hasOwn(result, key) ? result[key] : undefined;
      setOwn(result, key, isObject(value) ? mergeMetadata(isObject(current) ? current : {}, value) : value);
    }
  }
  return result;
}

/** A key `__proto__` is data, as JSON.parse makes it from a request body, not the prototype. */
function setOwn(target: WireMetadata, key: string, value: WireJson): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
