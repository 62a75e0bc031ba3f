// Route table and matching for /v1. Paths are matched segment by segment on the raw (not normalised) path, so `..`
// or an encoded `/` inside an id can only ever be an id that does not exist (404), never another route.

import type { Store } from './store.ts';

export interface HandlerContext {
  store: Store;
  /** Decoded path parameters. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  /** The `Clerk-API-Version` the request asked for (default: the emulator's, 2026-05-12). */
  apiVersion: string;
  /** Raw body bytes for endpoints that take something other than JSON (profile images). */
  rawBodyLength: number;
}

export interface HandlerResult {
  status: number;
  /** JSON text. */
  body: string;
}

/** A handler answers at once, or later when it must wait (a password digest checked in WebAssembly). */
export type Handler = (context: HandlerContext) => HandlerResult | Promise<HandlerResult>;

export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Below /v1, with `{param}` segments: `/users/{user_id}/metadata`. */
  path: string;
  handler: Handler;
  /** Accepts a non-JSON body (multipart uploads). */
  rawBody?: boolean;
}

interface CompiledRoute extends RouteDefinition {
  segments: string[];
  /** `METHOD /v1/template`, the stats key. */
  key: string;
}

export interface RouteMatch {
  route: CompiledRoute;
  params: Record<string, string>;
}

export function ok(value: unknown): HandlerResult {
  return { status: 200, body: JSON.stringify(value) };
}

export function okJson(json: string): HandlerResult {
  return { status: 200, body: json };
}

export class Router {
  private readonly bySegmentCount = new Map<number, CompiledRoute[]>();

  constructor(routes: RouteDefinition[]) {
    for (const route of routes) {
      const segments = route.path.split('/').slice(1);
      const compiled: CompiledRoute = { ...route, segments, key: `${route.method} /v1${route.path}` };
      const bucket = this.bySegmentCount.get(segments.length) ?? [];
      bucket.push(compiled);
      this.bySegmentCount.set(segments.length, bucket);
    }
  }

  /**
   * Finds the route for a raw path below /v1 (`/users/user_1`). Returns 'bad_path' when a segment cannot be decoded
   * and undefined when nothing matches.
   */
  match(method: string, rawPath: string): RouteMatch | 'bad_path' | undefined {
    const segments = rawPath.split('/').slice(1);
    const candidates = this.bySegmentCount.get(segments.length);
    if (!candidates) return undefined;
    const decoded: string[] = [];
    for (const segment of segments) {
      try {
        decoded.push(decodeURIComponent(segment));
      } catch {
        return 'bad_path';
      }
    }
    let best: RouteMatch | undefined;
    let bestLiterals = -1;
    for (const route of candidates) {
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      let matched = true;
      for (let i = 0; i < route.segments.length; i++) {
        const pattern = route.segments[i] as string;
        const value = decoded[i] as string;
        if (pattern.startsWith('{')) {
          if (value === '') {
            matched = false;
            break;
          }
          params[pattern.slice(1, -1)] = value;
        } else if (pattern === segments[i]) {
          literals++;
        } else {
          matched = false;
          break;
        }
      }
      // `/users/ban` and `/users/{user_id}` both fit `POST /users/ban`-shaped paths: the literal route wins.
      if (matched && literals > bestLiterals) {
        best = { route, params };
        bestLiterals = literals;
      }
    }
    return best;
  }
}
