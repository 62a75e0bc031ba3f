// Clerk API errors as the emulator raises them. A handler throws ClerkApiProblem; the server turns it into Clerk's
// `ClerkErrors` body (`{"errors":[{message,long_message,code,meta?}],"clerk_trace_id"}`,
// docs/clerk-api.md#the-error-envelope) with the status. Codes and wording follow Clerk's error catalog
// (docs/clerk-api.md#errors-we-act-on).

import { ClerkSyncError } from '../errors.ts';

export class ClerkApiProblem extends ClerkSyncError {
  readonly status: number;
  /** Clerk's short `message` ("is invalid"); the Error message carries `long_message`. */
  readonly shortMessage: string;
  readonly paramName: string | undefined;
  readonly extraMeta: Record<string, string | number | string[]> | undefined;

  constructor(
    status: number,
    code: string,
    shortMessage: string,
    longMessage: string,
    meta?: { paramName?: string; extra?: Record<string, string | number | string[]> },
  ) {
    super(code, longMessage, {
      hint: 'The Clerk API emulator refused the request; see the code and message.',
      meta: {
        status,
        ...(meta?.paramName ? { param_name: meta.paramName } : {}),
        ...(meta?.extra ?? {}),
      },
    });
    this.status = status;
    this.shortMessage = shortMessage;
    this.paramName = meta?.paramName;
    this.extraMeta = meta?.extra;
  }

  /** The `errors[0]` entry of the response body. */
  toClerkError(): {
    message: string;
    long_message: string;
    code: string;
    meta?: Record<string, string | number | string[]>;
  } {
    const meta = { ...(this.paramName ? { param_name: this.paramName } : {}), ...(this.extraMeta ?? {}) };
    return {
      message: this.shortMessage,
      long_message: this.message,
      code: this.code,
      ...(Object.keys(meta).length > 0 ? { meta } : {}),
    };
  }
}

export function notFound(longMessage = 'Resource not found'): ClerkApiProblem {
  return new ClerkApiProblem(404, 'resource_not_found', 'not found', longMessage);
}

export function userNotFound(id: string): ClerkApiProblem {
  return notFound(`No user was found with id ${id}`);
}

export function organizationNotFound(): ClerkApiProblem {
  return notFound('Given organization not found.');
}

export function paramUnknown(param: string): ClerkApiProblem {
  return new ClerkApiProblem(
    422,
    'form_param_unknown',
    'is unknown',
    `${param} is not a valid parameter for this request.`,
    {
      paramName: param,
    },
  );
}

export function paramMissing(param: string): ClerkApiProblem {
  return new ClerkApiProblem(422, 'form_param_missing', 'is missing', `${param} must be included.`, {
    paramName: param,
  });
}

export function paramNil(param: string): ClerkApiProblem {
  return new ClerkApiProblem(422, 'form_param_nil', 'cannot be null', `${param} cannot be null.`, { paramName: param });
}

export function paramTypeInvalid(param: string, expected: string): ClerkApiProblem {
  return new ClerkApiProblem(422, 'form_param_type_invalid', 'is invalid', `${param} must be of type ${expected}.`, {
    paramName: param,
  });
}

export function paramFormatInvalid(param: string, longMessage: string): ClerkApiProblem {
  return new ClerkApiProblem(422, 'form_param_format_invalid', 'is invalid', longMessage, { paramName: param });
}

export function paramValueInvalid(param: string, longMessage: string): ClerkApiProblem {
  return new ClerkApiProblem(422, 'form_param_value_invalid', 'is invalid', longMessage, { paramName: param });
}

const TAKEN_LABEL: Record<string, string> = {
  email_address: 'That email address is taken. Please try another.',
  phone_number: 'That phone number is taken. Please try another.',
  username: 'That username is taken. Please try another.',
  external_id: 'That external ID is taken. Please try another.',
  slug: 'That slug is taken. Please try another.',
};

export function identifierExists(param: string): ClerkApiProblem {
  const text = TAKEN_LABEL[param] ?? `That ${param} is taken. Please try another.`;
  return new ClerkApiProblem(422, 'form_identifier_exists', text, text, { paramName: param });
}

/** Metadata is limited to 8 KB per object (docs/clerk-api.md#metadata-8-kb-no-documented-nesting-limit). */
export function sizeExceeded(param: string, limit: number): ClerkApiProblem {
  return new ClerkApiProblem(
    422,
    'form_param_exceeds_allowed_size',
    'exceeds allowed size',
    `${param} exceeds the maximum allowed size of ${limit} bytes.`,
    { paramName: param },
  );
}

export function bodyInvalid(longMessage: string): ClerkApiProblem {
  return new ClerkApiProblem(400, 'request_body_invalid', 'Request body invalid', longMessage);
}

export function queryInvalid(param: string, longMessage: string): ClerkApiProblem {
  return new ClerkApiProblem(422, 'form_param_value_invalid', 'is invalid', longMessage, { paramName: param });
}

/** 400 identification_deletion_failed: the user's last identification (catalog LastIdentificationDeletionFailed). */
export function lastIdentificationDeletion(): ClerkApiProblem {
  return new ClerkApiProblem(
    400,
    'identification_deletion_failed',
    'Deletion failed',
    'You cannot delete your last identification.',
  );
}
