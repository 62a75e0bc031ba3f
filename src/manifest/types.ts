// Types of the manifest module's public surface (re-exported by index.ts) and the limits it enforces.

import type { DesiredOrganization, DesiredState } from '../model/index.ts';

/** One manifest file: its name as given on the command line (relative is fine) and its text. */
export interface ManifestSource {
  file: string;
  text: string;
}

/** One problem found in a manifest, pointing at a 1-based line and column of a file. */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  severity: 'error' | 'warning';
  /** Stable snake_case identifier (listed in docs/manifest.md): scripts and editors may match on it. */
  code: string;
  /** What is wrong, e.g. `unknown field "fristName" (did you mean "firstName"?)`. Never contains a secret. */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** The span holds a secret (a password): wherever its line is quoted, the span is masked. Not in JSON output. */
  concealed?: boolean;
}

export interface ManifestResult {
  /** The normalised manifest; only when there is no error (warnings allowed). */
  desired: DesiredState | undefined;
  diagnostics: Diagnostic[];
}

export interface ParseOptions {
  /** Variables for `${VAR}` interpolation (the CLI passes its environment). */
  env: Record<string, string | undefined>;
  /**
   * Called once with the declared organizations as soon as they are checked, before the users are (the slower part),
   * so a live read beside the parse can start on their memberships; not called when an error was found by then.
   */
  onOrganizations?: (organizations: readonly DesiredOrganization[]) => void;
}

export interface LoadOptions extends ParseOptions {
  /** Relative paths are resolved against this directory; messages keep them as given. */
  cwd: string;
  /** Ends a read that waits (a named pipe with no writer yet): the file gets a diagnostic. */
  signal?: AbortSignal;
  /**
   * Manifests of at least this many characters are parsed in a worker thread (Infinity: never), so that I/O running
   * beside the load (the live read) is not stalled by the parse.
   * @default OFF_THREAD_CHARACTERS (load-manifest.ts, off) in loadValidManifest; Infinity in loadManifest
   */
  offThreadCharacters?: number;
}

/** Hard limits: past them a manifest is rejected with a diagnostic, never a crash or a hang. */
export const LIMITS = {
  /** Largest manifest file read, in bytes. */
  fileBytes: 64 * 1024 * 1024,
  /**
   * Largest file read by the yaml package when the fast reader cannot read it (tabs, anchors, block scalars...): its
   * tree costs about 100 bytes of heap per byte (a 16 MB list: 1.6 GB), so a larger one could exhaust the heap.
   */
  fullReaderBytes: 16 * 1024 * 1024,
  /** Deepest nesting of mappings and lists (a real manifest needs about 6, metadata included). */
  depth: 32,
  /** Longest string value, in characters. */
  stringLength: 8 * 1024,
  /** Most alias (`*name`) expansions in one file: stops "billion laughs" alias bombs. */
  aliases: 1000,
  /** Most values that alias expansion may produce in one file. */
  aliasValues: 1_000_000,
  // Clerk's cap on one metadata object, in bytes of JSON (docs/clerk-api.md#metadata-8-kb-no-documented-nesting-limit).
  metadataBytes: 8 * 1024,
} as const;
