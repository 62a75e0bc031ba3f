// `clerk-sync emulator`: in-process through its CommandDefinition (flag validation, serving until the signal), and
// as the built binary (`npm run build` first; `npm test` does it): the listening line, then exit 0 on SIGTERM with
// the data file written.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/commands/command.ts';
import { emulatorCommand } from '../../src/commands/emulator.ts';
import { UsageError } from '../../src/errors.ts';

const BIN = fileURLToPath(new URL('../../bin/clerk-sync.js', import.meta.url));
const directories: string[] = [];
afterAll(async () => {
  for (const dir of directories) await rm(dir, { recursive: true, force: true });
});

function testIO(signal: AbortSignal): { io: CliIO; stdout: PassThrough; stderr: PassThrough } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const io: CliIO = { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd(), signal };
  return { io, stdout, stderr };
}

function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer | string): void => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end >= 0) {
        stream.off('data', onData);
        resolve(buffer.slice(0, end));
      }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`stream ended before a full line: ${buffer}`)));
  });
}

describe('clerk-sync emulator (in-process)', () => {
  it('refuses bad flag values with UsageError', async () => {
    const { io } = testIO(new AbortController().signal);
    for (const values of [
      { port: 'abc' },
      { port: '70000' },
      { host: '0.0.0.0' },
      { 'rate-limit': 'fast' },
      { faults: 'bogus=1' },
      { 'fault-seed': '-3' },
      { 'secret-key': ' ' },
      { preset: 'lenient' },
    ]) {
      await expect(emulatorCommand.run({ values, positionals: [] }, io), JSON.stringify(values)).rejects.toThrow(
        UsageError,
      );
    }
  });

  it('serves until the signal aborts, then exits 0', async () => {
    const controller = new AbortController();
    const { io, stdout } = testIO(controller.signal);
    const line = firstLine(stdout);
    const exit = emulatorCommand.run(
      { values: { port: '0', 'secret-key': 'sk_test_cli_inproc' }, positionals: [] },
      io,
    );
    const match = /^listening on (http:\/\/127\.0\.0\.1:\d+\/v1)$/.exec(await line);
    expect(match).not.toBeNull();
    const response = await fetch(`${match?.[1]}/users`, { headers: { authorization: 'Bearer sk_test_cli_inproc' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    controller.abort();
    expect(await exit).toBe(0);
    await expect(fetch(`${match?.[1]}/users`)).rejects.toThrow();
  });
});

describe('clerk-sync emulator --settings and --preset', () => {
  async function serve(
    values: Record<string, string>,
  ): Promise<{ url: string; origin: string; stop: () => Promise<number> }> {
    const controller = new AbortController();
    const { io, stdout } = testIO(controller.signal);
    const line = firstLine(stdout);
    const exit = emulatorCommand.run({ values: { port: '0', ...values }, positionals: [] }, io);
    const match = /^listening on ((http:\/\/127\.0\.0\.1:\d+)\/v1)$/.exec(await line);
    if (!match?.[1] || !match[2]) throw new Error('no listening line');
    return {
      url: match[1],
      origin: match[2],
      stop: async () => {
        controller.abort();
        return exit;
      },
    };
  }

  async function settingsOf(origin: string): Promise<Record<string, unknown>> {
    return (await (await fetch(`${origin}/__emulator/settings`)).json()) as Record<string, unknown>;
  }

  it('starts from the preset, then merges the settings file (YAML or JSON)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-emulator-settings-'));
    directories.push(dir);
    const yamlFile = join(dir, 'settings.yaml');
    await writeFile(yamlFile, 'user_cap: 3\norganization_settings:\n  max_allowed_memberships: 20\n');
    const permissive = await serve({ preset: 'permissive', settings: yamlFile });
    try {
      expect(await settingsOf(permissive.origin)).toMatchObject({
        password_required: false,
        user_cap: 3,
        organization_settings: { slug_disabled: false, max_allowed_memberships: 20, creator_role: 'org:admin' },
      });
    } finally {
      expect(await permissive.stop()).toBe(0);
    }
    const jsonFile = join(dir, 'settings.json');
    await writeFile(jsonFile, JSON.stringify({ lockout_duration_seconds: null }));
    const strict = await serve({ settings: jsonFile });
    try {
      expect(await settingsOf(strict.origin)).toMatchObject({
        password_required: true,
        lockout_duration_seconds: null,
      });
      const response = await fetch(`${strict.url}/users`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk_test_emulator', 'content-type': 'application/json' },
        body: JSON.stringify({ external_id: 'no-password' }),
      });
      expect(response.status).toBe(422);
    } finally {
      expect(await strict.stop()).toBe(0);
    }
  });

  it('refuses a settings file with an unknown key or a wrong type, naming the file and the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-emulator-settings-'));
    directories.push(dir);
    const { io } = testIO(new AbortController().signal);
    for (const [content, key] of [
      ['slugs_disabled: true\n', 'slugs_disabled'],
      ['organization_settings:\n  max_allowed_memberships: lots\n', 'organization_settings.max_allowed_memberships'],
    ] as const) {
      const file = join(dir, `${key}.yaml`);
      await writeFile(file, content);
      const run = emulatorCommand.run({ values: { port: '0', settings: file }, positionals: [] }, io);
      await expect(run).rejects.toMatchObject({ code: 'emulator_settings_invalid', meta: { key } });
      await expect(emulatorCommand.run({ values: { port: '0', settings: file }, positionals: [] }, io)).rejects.toThrow(
        `${file}: settings.${key}`,
      );
    }
    await expect(
      emulatorCommand.run({ values: { port: '0', settings: join(dir, 'missing.yaml') }, positionals: [] }, io),
    ).rejects.toMatchObject({ code: 'file_error' });
  });
});

describe('clerk-sync emulator (built binary)', () => {
  it('prints the listening line, serves, and exits 0 on SIGTERM after saving --data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-emulator-cli-'));
    directories.push(dir);
    const dataFile = join(dir, 'data.json');
    const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--data', dataFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await firstLine(child.stdout);
      const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+)\/v1)$/.exec(line);
      expect(match, `${line}\n${stderr}`).not.toBeNull();
      expect(Number(match?.[2])).toBeGreaterThan(0);
      const created = await fetch(`${match?.[1]}/users`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk_test_emulator', 'content-type': 'application/json' },
        body: JSON.stringify({ external_id: 'from-cli', skip_password_requirement: true }),
      });
      expect(created.status).toBe(200);
      expect(created.headers.get('content-type')).toBe('application/json');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    const saved = JSON.parse(await readFile(dataFile, 'utf8')) as { users: { external_id: string }[] };
    expect(saved.users.map((user) => user.external_id)).toEqual(['from-cli']);
  });
});

describe('the package export', () => {
  it('serves startEmulator as clerk-sync/emulator (what a project that installed clerk-sync imports)', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = `const { startEmulator } = await import('clerk-sync/emulator');
const emulator = await startEmulator({ port: 0 });
const response = await fetch(emulator.url + '/users/count', { headers: { authorization: 'Bearer ' + emulator.secretKey } });
console.log(response.status, JSON.stringify(await response.json()));
await emulator.close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    expect(out.trim()).toBe('200 {"object":"total_count","total_count":0}');
  });
});
