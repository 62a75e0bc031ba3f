// Raw requests to the emulator whose response bodies are always checked against Clerk's OpenAPI spec: every call
// names the operation's path template, so a drifting shape fails whichever test made the call.

import { request as httpRequest } from 'node:http';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { type EmulatorFetchOptions, type EmulatorResponse, emulatorFetch } from '../helpers/emulator.ts';
import { expectMatchesSpec } from '../helpers/openapi.ts';

type Emu = Pick<RunningEmulator, 'origin' | 'secretKey'>;

/** `template` is the spec path (`/users/{user_id}`); `path` the concrete one, with its query. */
export async function specFetch(
  emu: Emu,
  method: string,
  template: string,
  path: string,
  body?: unknown,
  options?: EmulatorFetchOptions,
): Promise<EmulatorResponse> {
  const response = await emulatorFetch(emu, method, path, body, options);
  expectMatchesSpec(method, template, response.status, response.body);
  return response;
}

/** Sends a path byte-for-byte (fetch would normalise `..`), returning status and parsed body. */
export function rawRequest(
  emu: Emu,
  method: string,
  path: string,
): Promise<{ status: number; contentType: string | undefined; body: unknown }> {
  const url = new URL(emu.origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { authorization: `Bearer ${emu.secretKey}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // keep text
          }
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface ErrorBody {
  errors: { code: string; message: string; long_message: string; meta?: { param_name?: string } }[];
  clerk_trace_id?: string;
}

export function firstError(response: EmulatorResponse): ErrorBody['errors'][number] | undefined {
  return (response.body as ErrorBody).errors[0];
}
