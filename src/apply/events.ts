// The executor's events: a listener that throws cannot stop the run, and every request is reported once, by the
// client when it can say so (attempts and 429 waits included), else by the executor when the request settles.

import type { ClerkClient, RequestSpec, RetryMode } from '../clerk/index.ts';
import { isApiError } from '../errors.ts';
import type { ApplyEvent } from './types.ts';

export interface Emitter {
  emit(event: ApplyEvent): void;
  /** The first error a listener threw, rethrown by applyPlan once nothing is running any more. */
  readonly listenerError: unknown;
}

export function createEmitter(onEvent: ((event: ApplyEvent) => void) | undefined): Emitter {
  let listenerError: unknown;
  return {
    emit(event) {
      // A throwing listener (a UI bug) must not leave requests running unobserved: remember it, rethrow at the end.
      try {
        onEvent?.(event);
      } catch (error) {
        listenerError ??= error;
      }
    },
    get listenerError() {
      return listenerError;
    },
  };
}

export type Send = (spec: RequestSpec, retry: RetryMode) => Promise<unknown>;

/** `send` for the executor's requests, reporting them through `emit`; `stop` ends the client subscription. */
export function observedClient(client: ClerkClient, emit: (event: ApplyEvent) => void): { send: Send; stop(): void } {
  const unsubscribe = client.subscribe?.((event) => {
    if (event.type === 'response') {
      emit({ type: 'request', method: event.method, path: event.path, status: event.status });
    } else if (event.type === 'rate_limited') {
      emit({ type: 'rate_limited', waitMs: event.waitMs });
    }
  });
  const observed = unsubscribe !== undefined;
  const send: Send = async (spec, retry) => {
    try {
      const body = await client.request<unknown>(spec, { retry });
      // Every success here is a 200 (docs/clerk-api.md#every-success-is-a-200); the client reports attempts if it can.
      if (!observed) emit({ type: 'request', method: spec.method, path: spec.path, status: 200 });
      return body;
    } catch (error) {
      if (!observed) {
        emit({ type: 'request', method: spec.method, path: spec.path, status: isApiError(error) ? error.status : 0 });
      }
      throw error;
    }
  };
  return { send, stop: () => unsubscribe?.() };
}
