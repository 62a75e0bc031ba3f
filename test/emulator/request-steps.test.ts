// The request pipeline's steps called directly, with no HTTP server: body cap and JSON parsing, auth, API version,
// rate limit (on an injected clock), fault draws, stats, and the handler wrapper.

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readRequestBody, runHandler } from '../../src/emulator/api-pipeline.ts';
import { FaultInjector } from '../../src/emulator/fault-injector.ts';
import { ClerkApiProblem } from '../../src/emulator/problem.ts';
import { RateLimiter } from '../../src/emulator/rate-limiter.ts';
import type { Reply } from '../../src/emulator/reply.ts';
import {
  type BodySource,
  depthExceeds,
  isJsonContentType,
  MAX_BODY_BYTES,
  parseJson,
  readBody,
} from '../../src/emulator/request-body.ts';
import { authenticate, negotiateApiVersion } from '../../src/emulator/request-checks.ts';
import type { HandlerContext } from '../../src/emulator/router.ts';
import { StatsRecorder } from '../../src/emulator/stats.ts';

function codeOf(reply: Reply | undefined): string | undefined {
  if (reply === undefined) return undefined;
  return (JSON.parse(reply.body) as { errors: { code: string }[] }).errors[0]?.code;
}

function source(chunks: string[], contentLength?: number): BodySource {
  const stream = Readable.from(chunks.map((chunk) => Buffer.from(chunk))) as BodySource;
  stream.headers = contentLength === undefined ? {} : { 'content-length': String(contentLength) };
  return stream;
}

describe('readBody', () => {
  it('returns every byte of a body within the limit', async () => {
    const read = await readBody(source(['{"a":', '1}']), 16);
    expect(read.ok && read.bytes.toString()).toBe('{"a":1}');
  });

  it('answers 413 from the declared length alone, and while streaming when no length is declared', async () => {
    const declared = await readBody(source(['x'], 17), 16);
    expect(declared.ok).toBe(false);
    if (!declared.ok) {
      expect(declared.reply.status).toBe(413);
      expect(codeOf(declared.reply)).toBe('request_body_too_large');
      expect(JSON.parse(declared.reply.body).errors[0].long_message).toBe(
        'The request body exceeds the limit of 16 bytes.',
      );
    }
    const streamed = await readBody(source(['12345678', '12345678', '1']), 16);
    expect(streamed.ok ? 'read' : streamed.reply.status).toBe(413);
  });
});

describe('parseJson and the Content-Type check', () => {
  it('refuses bad JSON and nesting past 512 levels with 400 request_body_invalid', () => {
    expect(() => parseJson(Buffer.from('{'))).toThrow('The request body is not valid JSON.');
    const deep = `${'['.repeat(513)}${']'.repeat(513)}`;
    expect(() => parseJson(Buffer.from(deep))).toThrow('nested more than 512 levels');
    expect(parseJson(Buffer.from(`${'['.repeat(512)}${']'.repeat(512)}`))).toBeInstanceOf(Array);
    try {
      parseJson(Buffer.from('nope'));
    } catch (error) {
      expect((error as ClerkApiProblem).status).toBe(400);
      expect((error as ClerkApiProblem).code).toBe('request_body_invalid');
    }
  });

  it('measures depth without recursion and stops at the limit', () => {
    expect(depthExceeds({ a: { b: 1 } }, 2)).toBe(false);
    expect(depthExceeds({ a: { b: {} } }, 2)).toBe(true);
    expect(depthExceeds('text', 0)).toBe(false);
  });

  it('takes application/json with parameters and in any case, nothing else', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });
});

describe('authenticate', () => {
  it('lets the exact secret key through and tells a bad header format from a wrong key', () => {
    expect(authenticate('Bearer sk_test_x', 'sk_test_x')).toBeUndefined();
    expect(codeOf(authenticate(undefined, 'sk_test_x'))).toBe('authorization_header_format_invalid');
    expect(codeOf(authenticate('Basic abc', 'sk_test_x'))).toBe('authorization_header_format_invalid');
    expect(codeOf(authenticate('Bearer sk_test_y', 'sk_test_x'))).toBe('clerk_key_invalid');
    expect(codeOf(authenticate('Bearer sk_test_x_longer', 'sk_test_x'))).toBe('clerk_key_invalid');
    expect(authenticate('Bearer nope', 'sk_test_x')?.status).toBe(401);
  });
});

describe('negotiateApiVersion', () => {
  it('defaults to the emulator version and takes one well-formed version from the header or the query', () => {
    expect(negotiateApiVersion(undefined, new URLSearchParams())).toEqual({ ok: true, apiVersion: '2026-05-12' });
    expect(negotiateApiVersion('2025-04-10', new URLSearchParams())).toEqual({ ok: true, apiVersion: '2025-04-10' });
    const fromQuery = negotiateApiVersion(undefined, new URLSearchParams('__clerk_api_version=2025-04-10'));
    expect(fromQuery).toEqual({ ok: true, apiVersion: '2025-04-10' });
  });

  it('answers 400 api_version_invalid for a malformed version or one given twice', () => {
    const twice = negotiateApiVersion('2025-04-10', new URLSearchParams('__clerk_api_version=2025-04-10'));
    const malformed = negotiateApiVersion('v2', new URLSearchParams());
    for (const result of [twice, malformed]) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect([result.reply.status, codeOf(result.reply)]).toEqual([400, 'api_version_invalid']);
    }
  });
});

describe('RateLimiter', () => {
  it('is off until set, then refills on the injected clock', () => {
    let now = 1_000;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 50; i++) expect(limiter.check('GET /v1/users', {})).toBeUndefined();
    limiter.set('2/10s');
    expect(limiter.check('GET /v1/users', {})).toBeUndefined();
    expect(limiter.check('GET /v1/users', {})).toBeUndefined();
    const limited = limiter.check('GET /v1/users', {});
    expect([limited?.status, limited?.headers?.['Retry-After']]).toEqual([429, '5']);
    now += 5_000;
    expect(limiter.check('GET /v1/users', {})).toBeUndefined();
    limiter.set(undefined);
    expect(limiter.check('GET /v1/users', {})).toBeUndefined();
  });

  it('limits updates to one user to 10 per 10 s, apart from other users and from reads', () => {
    const limiter = new RateLimiter(() => 0, '1000/1s');
    const patch = 'PATCH /v1/users/{user_id}';
    for (let i = 0; i < 10; i++) expect(limiter.check(patch, { user_id: 'user_1' })).toBeUndefined();
    expect(codeOf(limiter.check(patch, { user_id: 'user_1' }))).toBe('too_many_requests');
    expect(limiter.check(patch, { user_id: 'user_2' })).toBeUndefined();
    expect(limiter.check('GET /v1/users/{user_id}', { user_id: 'user_1' })).toBeUndefined();
  });
});

describe('FaultInjector', () => {
  it('replays the same faults from the same seed and draws none while off', () => {
    const draws = (seed: number): (string | undefined)[] => {
      const faults = new FaultInjector('429=0.3,500=0.3,reset=0.2', seed);
      return Array.from({ length: 40 }, () => faults.draw(true));
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    const off = new FaultInjector(undefined);
    expect(Array.from({ length: 20 }, () => off.draw(true)).every((fault) => fault === undefined)).toBe(true);
    expect(off.latencyMs).toBe(0);
  });

  it('never commit-resets a read, and reports its latency', () => {
    const faults = new FaultInjector('commit-reset=1,latency=5ms');
    expect(faults.draw(false)).toBeUndefined();
    expect(faults.draw(true)).toBe('commit-reset');
    expect(faults.latencyMs).toBe(5);
    faults.set(' ');
    expect(faults.draw(true)).toBeUndefined();
  });
});

describe('StatsRecorder', () => {
  it('counts requests by route, outcomes by status and faults by kind; snapshots are copies', () => {
    const stats = new StatsRecorder();
    stats.request('GET /v1/users');
    stats.request('GET /v1/users');
    stats.outcome('200');
    stats.outcome('reset');
    stats.fault('reset');
    const snapshot = stats.snapshot();
    expect(snapshot).toEqual({
      total: 2,
      byRoute: { 'GET /v1/users': 2 },
      byStatus: { '200': 1, reset: 1 },
      faults: { reset: 1 },
    });
    stats.reset();
    expect(stats.current().total).toBe(0);
    expect(snapshot.total).toBe(2);
  });
});

describe('readRequestBody', () => {
  const request = (method: string, body: string, contentType?: string) => ({
    method,
    path: '/v1/users',
    search: '',
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    readBody: (limit: number) => readBody(source([body]), limit),
  });

  it('parses JSON bodies of POST, PATCH and PUT, and reads nothing for other methods', async () => {
    expect(await readRequestBody(request('POST', '{"a":1}', 'application/json'), false)).toEqual({
      ok: true,
      body: { a: 1 },
      rawBodyLength: 7,
    });
    expect(await readRequestBody(request('GET', '{"a":1}', 'application/json'), false)).toEqual({
      ok: true,
      body: undefined,
      rawBodyLength: 0,
    });
    expect(MAX_BODY_BYTES).toBe(1024 * 1024);
  });

  it('answers 415 for a non-JSON body, except on raw upload routes, and 400 for bad JSON', async () => {
    const text = await readRequestBody(request('POST', 'hello', 'text/plain'), false);
    expect(text.ok ? 'parsed' : [text.reply.status, codeOf(text.reply)]).toEqual([415, 'unsupported_content_type']);
    const upload = await readRequestBody(request('POST', 'PNG...', 'image/png'), true);
    expect(upload).toEqual({ ok: true, body: undefined, rawBodyLength: 6 });
    const bad = await readRequestBody(request('PATCH', '{', 'application/json'), false);
    expect(bad.ok ? 'parsed' : codeOf(bad.reply)).toBe('request_body_invalid');
  });
});

describe('runHandler', () => {
  const context = {} as HandlerContext;

  it('passes a result through and turns a ClerkApiProblem into its Clerk error', async () => {
    expect(runHandler(() => ({ status: 200, body: '{}' }), context)).toEqual({ status: 200, body: '{}' });
    const refused = await runHandler(() => {
      throw new ClerkApiProblem(422, 'form_param_missing', 'is missing', 'x must be included.');
    }, context);
    expect([refused.status, codeOf(refused)]).toEqual([422, 'form_param_missing']);
  });

  it('answers any other error with 500 internal_clerk_error naming it', async () => {
    const failed = await runHandler(() => {
      throw new TypeError('boom');
    }, context);
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body).errors[0]).toMatchObject({
      code: 'internal_clerk_error',
      long_message: 'The emulator failed on this request: boom',
    });
  });

  it('waits for a handler that answers later, and turns its refusal into the Clerk error', async () => {
    expect(await runHandler(async () => ({ status: 200, body: '{}' }), context)).toEqual({ status: 200, body: '{}' });
    const refused = await runHandler(async () => {
      throw new ClerkApiProblem(422, 'form_password_incorrect', 'Password is incorrect.', 'Password is incorrect.');
    }, context);
    expect([refused.status, codeOf(refused)]).toEqual([422, 'form_password_incorrect']);
  });
});
