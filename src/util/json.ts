// Small pure helpers for JSON values, shared by every stage: the plain-object check, own-key reads and writes,
// canonical JSON, Clerk's metadata merge and JSON Pointer segments. No I/O.

import type { JsonObject, JsonValue } from '../model/index.ts';

/** An object that is neither null nor an array: what JSON calls an object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** isPlainObject for a value already known to be JSON, narrowing it to a JSON object. */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return isPlainObject(value);
}

/**
 * `object[key]` if it is the object's own key, else undefined: a plain read of an absent `__proto__` or
 * `constructor` would find Object.prototype or Object instead of nothing.
 */
export function ownValue(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** `object[key] = value`, where a key `__proto__` becomes data (as JSON.parse makes it) instead of the prototype. */
export function setOwn(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/**
 * What `PATCH …/metadata` does to one metadata object: objects merge recursively, arrays and scalars replace, and a
 * `null` value deletes the key (docs/clerk-api.md#metadata-patch-merges-put-replaces). A patch object landing on a
 * non-object value merges into an empty object [assume: undocumented]. Neither argument is modified.
 */
export function mergeMetadata(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (isJsonObject(value)) {
      const current = ownValue(out, key);
      setOwn(out, key, mergeMetadata(isJsonObject(current) ? current : {}, value));
    } else {
      setOwn(out, key, cloneJson(value));
    }
  }
  return out;
}

/** JSON with object keys sorted at every level: equal values give equal text whatever their key order. */
export function canonicalJson(value: JsonValue): string {
  // Loops and += rather than map/filter/join: this runs for every user of a 100,000-user manifest.
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      // An undefined item (not JSON) renders as nothing, as the earlier join did.
      text += canonicalJson(value[index] as JsonValue) ?? '';
    }
    return `${text}]`;
  }
  const keys = Object.keys(value).sort();
  let text = '{';
  let first = true;
  for (const key of keys) {
    const item = value[key];
    // Keys holding undefined are skipped, as JSON.stringify does.
    if (item === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${text}}`;
}

/** The segments of an RFC 6901 JSON Pointer (`/a/b~1c` -> ['a', 'b/c']), e.g. an ajv instancePath. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}
