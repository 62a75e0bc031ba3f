// How a field's value is read from the manifest and from the API, by the field's kind (descriptor.ts). Pure.

import type { FieldKind } from './descriptor.ts';

/** RFC 3339 date-time (the form spec `CreateUser` asks for `legal_accepted_at`): a date, `T`, a time, a zone. */
export const TIMESTAMP_PATTERN =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$';

/** The schema of a timestamp field: an RFC 3339 string. */
export function timestampSchema(title: string, description: string) {
  return {
    title,
    description: `${description} An RFC 3339 date-time (2024-05-01T12:00:00Z); compared by instant. Absent: unmanaged.`,
    type: 'string',
    pattern: TIMESTAMP_PATTERN,
  } as const;
}

/** A timestamp as the model holds it: ISO 8601 in UTC with milliseconds, so the same instant is the same string. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A profile field's manifest value as the model holds it, or undefined when the value has the wrong type (the schema
 * check reports it): strings as written, timestamps as their instant.
 */
export function manifestValue(kind: FieldKind, value: unknown): string | null | undefined {
  switch (kind) {
    case 'identifier':
      return typeof value === 'string' ? value : undefined;
    case 'nullableString':
      return typeof value === 'string' || value === null ? value : undefined;
    case 'timestamp': {
      if (typeof value !== 'string') return undefined;
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? undefined : isoInstant(ms);
    }
    default:
      return undefined;
  }
}

/** A profile field's API value as the model holds it: timestamps come as unix milliseconds. */
export function liveValue(kind: FieldKind, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (kind === 'timestamp') return typeof value === 'number' ? isoInstant(value) : null;
  return typeof value === 'string' ? value : null;
}

/** What a wire row must hold for a profile field of this kind (src/state/from-wire.ts rules). */
export function wireRule(kind: FieldKind): 'string?' | 'number?' {
  return kind === 'timestamp' ? 'number?' : 'string?';
}
