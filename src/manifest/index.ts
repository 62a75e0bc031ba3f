// The manifest module: YAML manifest files -> validated, normalised DesiredState, with every problem reported as a
// diagnostic at file:line:col. parseManifest is pure; loadManifest/loadValidManifest are the file-reading edge.

export { diagnosticsToGithub, diagnosticsToJson, formatDiagnostics, sortDiagnostics } from './format.ts';
export { loadManifest, loadValidManifest } from './load-manifest.ts';
export { parseManifest } from './parse-manifest.ts';
export { API_VERSION, MANIFEST_SCHEMA } from './schema.ts';
export type { Diagnostic, LoadOptions, ManifestResult, ManifestSource, ParseOptions } from './types.ts';
export { LIMITS } from './types.ts';
