// clerk-sync export: reads the live instance and streams the manifest src/manifest/write-manifest.ts makes of it, the
// header and then one user at a time, to stdout or an atomically replaced file.

import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileError, UsageError } from '../errors.ts';
import { METADATA_FIELDS } from '../fields/constants.ts';
import { anonymizeSnapshot } from '../manifest/anonymize.ts';
import { loadFakeValues } from '../manifest/generate-fake.ts';
import {
  type ExportedOrganization,
  type ExportResult,
  type ExportSettings,
  exportedMatching,
  exportManifest,
  organizationKeys,
} from '../manifest/write-manifest.ts';
import type { LiveOrganization, LiveSnapshot, MetadataField, UserKeyKind } from '../model/index.ts';
import { fetchLiveSnapshot, listOrganizations } from '../state/index.ts';
import { plural } from '../util/plural.ts';
import { API_OPTIONS, API_OPTIONS_HELP, openClient } from './api-options.ts';
import { type CliIO, type CommandArgs, type CommandDefinition, stringList, stringOption } from './command.ts';
import { ENVIRONMENT_OPTIONS, ENVIRONMENT_OPTIONS_HELP } from './environment-options.ts';
import { outputTarget } from './files.ts';

// ---- output: stdout or an atomically replaced file, written in chunks ----

interface Sink {
  write(chunk: string): Promise<void>;
  /** Makes the output final (rename into place). */
  commit(): Promise<string | null>;
  abort(): Promise<void>;
}

function streamSink(stream: CliIO['stdout']): Sink {
  return {
    write: (chunk) =>
      new Promise<void>((done, fail) => {
        const flushed = stream.write(chunk, (error) => (error ? fail(error) : undefined));
        if (flushed) done();
        else stream.once('drain', done);
      }),
    commit: async () => null,
    abort: async () => undefined,
  };
}

async function fileSink(cwd: string, file: string): Promise<Sink> {
  const { path: target, inPlace } = await outputTarget(cwd, file);
  // A device or pipe is written directly (see outputTarget); a file goes through a temporary one.
  const temp = inPlace ? target : `${target}.${randomBytes(4).toString('hex')}.tmp`;
  const fail = (error: unknown): FileError =>
    new FileError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
      hint: 'Check that the directory exists and is writable.',
    });
  let handle: FileHandle;
  try {
    if (!inPlace) await mkdir(dirname(target), { recursive: true });
    handle = await open(temp, 'w', 0o600);
  } catch (error) {
    throw fail(error);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    async write(chunk) {
      try {
        await handle.write(chunk);
      } catch (error) {
        throw fail(error);
      }
    },
    async commit() {
      try {
        await close();
        if (!inPlace) await rename(temp, target);
      } catch (error) {
        if (!inPlace) await rm(temp, { force: true });
        throw fail(error);
      }
      return target;
    },
    async abort() {
      await close().catch(() => undefined);
      if (!inPlace) await rm(temp, { force: true });
    },
  };
}

/** Collects small writes into larger ones: one write per user would be 100k system calls. */
function buffered(sink: Sink, size = 64 * 1024): Sink & { flush(): Promise<void> } {
  let pending = '';
  const flush = async (): Promise<void> => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    await sink.write(chunk);
  };
  return {
    async write(chunk) {
      pending += chunk;
      if (pending.length >= size) await flush();
    },
    flush,
    async commit() {
      await flush();
      return sink.commit();
    },
    abort: () => sink.abort(),
  };
}

function parseUserKey(raw: string | undefined): UserKeyKind {
  if (raw === undefined) return 'externalId';
  const found = USER_KEYS.find((key) => key === raw);
  if (!found) throw new UsageError(`--user-key must be one of ${USER_KEYS.join(', ')}, got "${raw}"`);
  return found;
}

export function parseIncludeMetadata(raw: readonly string[]): MetadataField[] {
  if (raw.length === 0) return ['publicMetadata'];
  const fields = new Set<MetadataField>();
  for (const item of raw.flatMap((value) => value.split(','))) {
    const name = item.trim();
    if (name === '' || name === 'none') continue;
    const field = METADATA_KINDS[name];
    if (!field) {
      throw new UsageError(`--include-metadata takes public, private, unsafe or none (comma-separated), got "${name}"`);
    }
    fields.add(field);
  }
  // Manifest order, whatever order the flag listed them in.
  return METADATA_FIELDS.filter((field) => fields.has(field));
}

const USER_KEYS: readonly UserKeyKind[] = ['externalId', 'emailAddress', 'username'];
const METADATA_KINDS: Record<string, MetadataField> = {
  public: 'publicMetadata',
  private: 'privateMetadata',
  unsafe: 'unsafeMetadata',
};

/** Writes the whole manifest to `sink`, one user at a time. */
async function writeManifest(
  live: LiveSnapshot,
  exported: readonly ExportedOrganization[],
  settings: ExportSettings,
  sink: Sink,
): Promise<ExportResult> {
  const manifest = exportManifest(live, exported, settings);
  for (const chunk of manifest.chunks()) await sink.write(chunk);
  return manifest;
}

/** --anonymize SEED and --keep-metadata, checked; undefined without --anonymize. */
function anonymizeOptions(values: CommandArgs['values']): { seed: string; keepMetadata: string[] } | undefined {
  const seed = stringOption(values, 'anonymize');
  const keepMetadata = stringList(values, 'keep-metadata')
    .flatMap((value) => value.split(','))
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (seed === undefined) {
    if (keepMetadata.length > 0) throw new UsageError('--keep-metadata is an option of --anonymize SEED');
    return undefined;
  }
  if (seed.trim() === '')
    throw new UsageError('--anonymize needs a seed: a non-empty string (the same seed gives the same file)');
  return { seed, keepMetadata };
}

const SKIP_HINT: Record<UserKeyKind, string> = {
  externalId: 'they have no external id; export them with --user-key emailAddress',
  emailAddress: 'they have no email address; export them with --user-key username or --user-key externalId',
  username: 'they have no username; export them with --user-key emailAddress',
};

export const exportCommand: CommandDefinition = {
  name: 'export',
  summary: 'write a manifest of the live instance (plans to "No changes.")',
  help: `Usage: clerk-sync export [-o FILE] [--org KEY]... [--include-metadata public,private,unsafe] [--user-key KEY]
                        [--anonymize SEED [--keep-metadata KEY,...]]

Writes the live instance as a manifest: organizations by key, users by key with their email addresses and phone
numbers (primary first), username, names, the metadata kinds asked for, banned/locked, and memberships in the
exported organizations. Empty values are written too (banned: false, locked: false, firstName: null,
phoneNumbers: []...), so the file manages what it exported: a later ban, lock or name added in the dashboard is
drift, and apply puts the exported value back. Delete a field from the file to leave it unmanaged. An
organization's key is the one clerk-sync marked it with, else its slug, else one made from its name. Planning the
exported file shows "No changes.", except that organizations with neither a mark nor a slug get clerk-sync's mark
(they are found by their name). The output is deterministic: the same instance gives a byte-identical file.
settings.prune is false, so applying it never deletes anyone.
No secrets are exported: the Clerk API never returns passwords (or their hashes), so none can be.

Options:
  -o, --out FILE             write to FILE (atomically replaced) instead of stdout
  --org KEY                  export only this organization (by key, as it would be exported: mark, slug, or made
                             from its name) and memberships in it (repeatable; default: all)
  --include-metadata KINDS   metadata kinds to manage, comma-separated: public, private, unsafe, or none
                             (default: public). clerk-sync's own ownership mark is never exported.
  --user-key KEY             externalId (default), emailAddress or username. Users without that field are skipped
                             (counted on stderr).
  --anonymize SEED           fake, deterministic values instead of personal data (docs/manifest.md#anonymised-export):
                             names, emails, phones, usernames, external ids and metadata values (keys and JSON types
                             kept) are derived from SEED and the original, so the same SEED and instance give the
                             same file. Organizations, roles, memberships, banned/locked are kept as they are. The
                             file is a new seed, not the instance: it does not plan to "No changes." against it.
  --keep-metadata KEYS       with --anonymize: top-level metadata keys whose values are kept (comma-separated,
                             repeatable), e.g. plan,tier
${ENVIRONMENT_OPTIONS_HELP}
${API_OPTIONS_HELP}

Exit codes: 0 exported, 1 error.`,
  options: {
    ...API_OPTIONS,
    ...ENVIRONMENT_OPTIONS,
    out: { type: 'string', short: 'o' },
    org: { type: 'string', multiple: true },
    'include-metadata': { type: 'string', multiple: true },
    'user-key': { type: 'string' },
    anonymize: { type: 'string' },
    'keep-metadata': { type: 'string', multiple: true },
  },
  allowPositionals: false,
  async run({ values }, io) {
    const anonymize = anonymizeOptions(values);
    const settings: ExportSettings = {
      userKey: parseUserKey(stringOption(values, 'user-key')),
      metadata: parseIncludeMetadata(stringList(values, 'include-metadata')),
      ...(anonymize ? { anonymized: true } : {}),
    };
    if (anonymize) await loadFakeValues();
    const requestedOrgs = [
      ...new Set(stringList(values, 'org').flatMap((value) => value.split(',').map((slug) => slug.trim()))),
    ].filter((slug) => slug !== '');
    const out = stringOption(values, 'out');
    const { client, concurrency } = openClient(values, io);
    // Ctrl-C stops a long read. Every request in flight listens on the signal: more than Node's default warning
    // threshold of 10 at once is expected here, not a leak.
    const reading = new AbortController();
    setMaxListeners(Math.max(10, concurrency * 4), reading.signal);
    const stop = (): void => reading.abort();
    io.signal.addEventListener('abort', stop, { once: true });
    try {
      io.stderr.write(`Reading live state from ${client.baseUrl} ...\n`);
      const allOrgs = await listOrganizations(client, { signal: reading.signal });
      const keys = organizationKeys(allOrgs);
      const byKey = new Map(allOrgs.map((org) => [keys.get(org.id) as string, org]));
      const absent = requestedOrgs.filter((key) => !byKey.has(key));
      if (absent.length > 0) {
        throw new UsageError(`--org ${absent.map((key) => `"${key}"`).join(', ')}: no such organization live`, {
          hint: 'Check the key (its clerk-sync mark, else its slug, else made from its name as an unfiltered export writes it), or leave out --org to export all of them.',
        });
      }
      const selected =
        requestedOrgs.length > 0 ? requestedOrgs.map((key) => byKey.get(key) as LiveOrganization) : allOrgs;
      const exported = selected.map((org) => ({ org, key: keys.get(org.id) as string }));
      const read = await fetchLiveSnapshot(client, {
        managedOrgs: exported.map(({ org, key }) => ({ key, name: org.name })),
        concurrency,
        signal: reading.signal,
      });
      const live = anonymize ? anonymizeSnapshot(read, anonymize) : read;

      const sink = buffered(out === undefined ? streamSink(io.stdout) : await fileSink(io.cwd, out));
      let result: ExportResult;
      let written: string | null;
      try {
        result = await writeManifest(live, exported, settings, sink);
        written = await sink.commit();
      } catch (error) {
        await sink.abort();
        throw error;
      }
      io.stderr.write(
        `Exported ${plural(result.users, 'user')} and ${plural(result.organizations, 'organization')}${written ? ` to ${written}` : ''}.\n`,
      );
      const matching = exportedMatching(exported, allOrgs);
      if (matching.byName.length > 0) {
        io.stderr.write(
          `${plural(matching.byName.length, 'organization')} without clerk-sync's mark or a slug (${matching.byName.join(', ')}): a plan of this file finds them by name and marks them (mark_organization).\n`,
        );
      }
      if (matching.ambiguous.length > 0) {
        io.stderr.write(
          `${plural(matching.ambiguous.length, 'organization')} (${matching.ambiguous.join(', ')}) share their name with other live organizations and have no mark or slug: a plan of this file refuses them (ambiguous_organization_match) until they are renamed or marked.\n`,
        );
      }
      if (result.skipped > 0) {
        io.stderr.write(
          `Skipped ${plural(result.skipped, 'user')} without ${settings.userKey}: ${SKIP_HINT[settings.userKey]}.\n`,
        );
      }
      return 0;
    } finally {
      io.signal.removeEventListener('abort', stop);
      await client.close();
    }
  },
};
