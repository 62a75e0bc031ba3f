// Error classes for clerk-sync. Every failure a user can see is a ClerkSyncError with a stable snake_case `code`,
// JSON-safe `meta`, and a `hint` that says what to do next. `cli.ts` is the only place that turns them into output
// and exit codes; anything that is not a ClerkSyncError is treated as a bug.

export type JsonSafe = null | boolean | number | string | JsonSafe[] | { [key: string]: JsonSafe };

export interface ClerkSyncErrorOptions {
  meta?: Record<string, JsonSafe>;
  hint?: string;
  cause?: unknown;
}

export class ClerkSyncError extends Error {
  /** Stable, documented identifier; scripts may match on it. */
  readonly code: string;
  readonly meta: Record<string, JsonSafe>;
  readonly hint: string | undefined;
  /** Exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  /** True for mistakes the user can fix (bad input, refused plan); false for our own bugs. */
  readonly userFacing: boolean = true;

  constructor(code: string, message: string, options: ClerkSyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.meta = options.meta ?? {};
    this.hint = options.hint;
  }

  toJSON(): { code: string; message: string; hint?: string; meta: Record<string, JsonSafe> } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), meta: this.meta };
  }
}

/** Wrong command-line usage: unknown flag, missing value, bad combination. */
export class UsageError extends ClerkSyncError {
  constructor(message: string, options: ClerkSyncErrorOptions = {}) {
    super('usage_error', message, { hint: 'Run `clerk-sync <command> --help` for usage.', ...options });
  }
}

/** The manifest has diagnostics (collected, not thrown one by one); thrown once so commands stop before any request. */
export class ManifestInvalidError extends ClerkSyncError {
  constructor(message: string, options: ClerkSyncErrorOptions = {}) {
    super('manifest_invalid', message, {
      hint: 'Run `clerk-sync validate -f <file>` to list every problem.',
      ...options,
    });
  }
}

/** A file could not be read or written. */
export class FileError extends ClerkSyncError {
  constructor(message: string, options: ClerkSyncErrorOptions = {}) {
    super('file_error', message, options);
  }
}

/** Configuration problem: missing/unsafe secret key, refused base URL, bad env var. */
export class ConfigError extends ClerkSyncError {
  constructor(message: string, options: ClerkSyncErrorOptions = {}) {
    super('config_error', message, options);
  }
}

/** The Clerk API answered with an error, or with something that is not a valid answer. */
export class ApiError extends ClerkSyncError {
  readonly method: string;
  readonly path: string;
  /** HTTP status; 0 when no response arrived (connection error, timeout). */
  readonly status: number;
  /** Clerk's first error code (`form_identifier_exists`...), when the body had one. */
  readonly clerkCode: string | undefined;
  /** Seconds from a Retry-After header, when present and numeric. */
  readonly retryAfter: number | undefined;
  /** Parsed error body, if it was JSON. */
  readonly body: unknown;

  constructor(
    message: string,
    details: {
      method: string;
      path: string;
      status: number;
      clerkCode?: string | undefined;
      retryAfter?: number | undefined;
      body?: unknown;
      hint?: string;
      cause?: unknown;
      code?: string;
    },
  ) {
    super(details.code ?? 'api_error', message, {
      meta: {
        method: details.method,
        path: details.path,
        status: details.status,
        ...(details.clerkCode ? { clerkCode: details.clerkCode } : {}),
      },
      ...(details.hint ? { hint: details.hint } : {}),
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    });
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.clerkCode = details.clerkCode;
    this.retryAfter = details.retryAfter;
    this.body = details.body;
  }
}

/** The live state cannot be mapped unambiguously (e.g. two live users share one key). */
export class LiveStateError extends ClerkSyncError {
  constructor(code: string, message: string, options: ClerkSyncErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The planner found problems that make a plan unsafe or ambiguous (codes listed in docs/json-contract.md). */
export class PlanError extends ClerkSyncError {
  constructor(message: string, options: ClerkSyncErrorOptions = {}) {
    super('plan_invalid', message, options);
  }
}

/** A plan was refused by a safety rule (mass delete, production key, stale saved plan). */
export class PlanRefusedError extends ClerkSyncError {
  constructor(code: string, message: string, options: ClerkSyncErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Apply finished with failed operations (details were already printed in the summary). */
export class ApplyFailedError extends ClerkSyncError {
  constructor(message: string, options: ClerkSyncErrorOptions = {}) {
    super('apply_failed', message, options);
  }
}

/** Something that should never happen: a bug in clerk-sync. */
export class InternalError extends ClerkSyncError {
  override readonly userFacing: boolean = false;
  constructor(message: string, options: ClerkSyncErrorOptions = {}) {
    super('internal_error', message, options);
  }
}

export function isClerkSyncError(error: unknown): error is ClerkSyncError {
  return error instanceof ClerkSyncError;
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
