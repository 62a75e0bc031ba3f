// The project file (src/project): schema errors at file:line:col like the manifest's, a secret key written in it
// refused (and never quoted back), environments resolved with paths relative to the working directory.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { formatDiagnostics } from '../../src/manifest/index.ts';
import { parseProject, resolveProject } from '../../src/project/index.ts';

function parse(text: string) {
  const source = { file: 'clerk-sync.yaml', text };
  const result = parseProject(source);
  return { ...result, source, at: result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`) };
}

describe('parseProject', () => {
  it('reads environments with their defaults', () => {
    const { project, diagnostics } = parse(`apiVersion: clerk-sync/v1
environments:
  staging:
    files: [base.yaml, overlays/staging.yaml]
    secretKeyEnv: STAGING_KEY
    rateLimit: 90/10s
  production:
    files: [base.yaml]
`);
    expect(diagnostics).toEqual([]);
    expect(project?.environments).toEqual([
      {
        name: 'staging',
        files: ['base.yaml', 'overlays/staging.yaml'],
        secretKeyEnv: 'STAGING_KEY',
        rateLimit: '90/10s',
        source: { file: 'clerk-sync.yaml', line: 3, column: 3 },
      },
      {
        name: 'production',
        files: ['base.yaml'],
        secretKeyEnv: 'CLERK_SECRET_KEY',
        source: { file: 'clerk-sync.yaml', line: 7, column: 3 },
      },
    ]);
  });

  it('reports schema errors at their line and column', () => {
    const { project, at } = parse(`apiVersion: clerk-sync/v1
environments:
  Staging:
    files: []
    secretKeyEnv: staging key
    rateShare: 2
    rateLimit: fast
    apiURL: https://example.test
`);
    expect(project).toBeUndefined();
    expect(at).toEqual([
      '3:3 invalid_value',
      '8:5 unknown_field',
      '4:12 invalid_value',
      '5:19 invalid_value',
      '7:16 invalid_value',
      '6:16 invalid_value',
      '6:5 conflicting_rate_options',
    ]);
  });

  it('refuses a secret key written in the file, and never quotes it', () => {
    const key = 'sk_live_abcdefghijklmnopqrstuvwxyz0123456789';
    const { project, diagnostics, source, at } = parse(`apiVersion: clerk-sync/v1
environments:
  production:
    files: [base.yaml]
    secretKeyEnv: ${key}
`);
    expect(project).toBeUndefined();
    expect(at).toEqual(['5:19 secret_in_project']);
    expect(diagnostics[0]?.message).toContain('names the environment variable that holds a key, never the key itself');
    const printed = formatDiagnostics(diagnostics, [source]);
    expect(printed).toContain('clerk-sync.yaml:5:19');
    expect(printed).not.toContain(key);
    expect(JSON.stringify(diagnostics)).not.toContain(key);
  });

  it('finds a key anywhere in the file, not only in secretKeyEnv', () => {
    const { at } = parse(`apiVersion: clerk-sync/v1
environments:
  staging:
    files: [base.yaml]
    apiUrl: "https://api.clerk.com/v1?key=sk_test_abc123"
`);
    expect(at).toEqual(['5:13 secret_in_project']);
  });
});

describe('resolveProject', () => {
  it('gives manifest paths relative to the working directory, and lists the known environments otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-project-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'clerk'));
    await writeFile(
      join(dir, 'clerk', 'project.yaml'),
      'apiVersion: clerk-sync/v1\nenvironments:\n  staging:\n    files: [base.yaml, overlays/staging.yaml]\n    secretKeyEnv: STAGING_KEY\n    apiUrl: http://127.0.0.1:1/v1\n',
    );
    const resolved = await resolveProject({ cwd: dir, env: 'staging', projectFile: 'clerk/project.yaml' });
    expect(resolved).toEqual({
      name: 'staging',
      projectFile: 'clerk/project.yaml',
      files: ['clerk/base.yaml', 'clerk/overlays/staging.yaml'],
      secretKeyEnv: 'STAGING_KEY',
      apiUrl: 'http://127.0.0.1:1/v1',
    });
    await expect(resolveProject({ cwd: dir, env: 'stagin', projectFile: 'clerk/project.yaml' })).rejects.toMatchObject({
      code: 'unknown_environment',
      meta: { known: ['staging'] },
    });
    await expect(resolveProject({ cwd: dir, env: 'staging' })).rejects.toMatchObject({ code: 'usage_error' });
    await writeFile(join(dir, 'clerk-sync.yaml'), 'apiVersion: clerk-sync/v1\nenvironments: {}\n');
    await expect(resolveProject({ cwd: dir, env: 'staging' })).rejects.toMatchObject({
      code: 'project_invalid',
      message: expect.stringContaining('clerk-sync.yaml:2:15'),
    });
  });
});
