// The project module: clerk-sync.yaml names environments (manifest files, the secret key's variable, API URL,
// budget); resolveProject selects one. parseProject is pure; resolveProject reads the file.

export {
  DEFAULT_SECRET_KEY_ENV,
  PROJECT_FILE,
  type Project,
  type ProjectEnvironment,
  parseProject,
} from './parse-project.ts';
export { PROJECT_SCHEMA } from './project-schema.ts';
export { type ResolvedEnvironment, type ResolveProjectOptions, resolveProject } from './resolve-project.ts';
