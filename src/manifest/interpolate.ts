// `${VAR}` / `${VAR:-default}` interpolation of string values, with `$${` for a literal `${`. Like the shell, the
// default applies when the variable is unset or empty; a variable that is unset with no default is an error. The
// caller gets the names of the variables used (a password filled from the environment is a secret) and, for each
// problem, the reference's text so it can point at it in the source (the value itself is never reported).
// CLERK_SECRET_KEY is never read: a pull request controls the manifest, and a manifest value ends up in plans.

export interface InterpolationProblem {
  code: 'unset_variable' | 'invalid_interpolation' | 'forbidden_variable';
  message: string;
  /** The reference as written (`${NAME}`): found again in the source to point at its column. */
  token: string;
  hint?: string;
}

/** The variable clerk-sync reads its API key from (src/clerk/config.ts): never interpolated, with or without a default. */
export const SECRET_KEY_VARIABLE = 'CLERK_SECRET_KEY';

export interface InterpolationResult {
  value: string;
  /** Variables referenced, in order (with repeats removed). */
  variables: string[];
  /** True when the whole string is one reference (`${VAR}` or `${VAR:-default}`) and nothing else. */
  single: boolean;
  /**
   * The string as written, with each reference as `${NAME}` (defaults left out: a password's default is a
   * password): how outputs name the value instead of showing it.
   */
  template: string;
  problems: InterpolationProblem[];
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?$/s;

export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): InterpolationResult {
  // Fast path: most values contain no `$` at all.
  if (!text.includes('${')) return { value: text, variables: [], single: false, problems: [], template: text };
  let value = '';
  let template = '';
  const secretKey = env[SECRET_KEY_VARIABLE]?.trim() ?? '';
  const variables: string[] = [];
  const problems: InterpolationProblem[] = [];
  let references = 0;
  let literalText = false;
  let index = 0;
  while (index < text.length) {
    if (text.startsWith('$${', index)) {
      value += '${';
      template += '$${';
      literalText = true;
      index += 3;
      continue;
    }
    if (!text.startsWith('${', index)) {
      value += text[index];
      template += text[index];
      literalText = true;
      index += 1;
      continue;
    }
    const close = text.indexOf('}', index + 2);
    if (close < 0) {
      const token = text.slice(index, index + 40);
      problems.push({
        code: 'invalid_interpolation',
        message: `unclosed "\${": a variable reference is \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`,
        token,
      });
      break;
    }
    const token = text.slice(index, close + 1);
    const match = REFERENCE.exec(text.slice(index + 2, close));
    references += 1;
    index = close + 1;
    if (!match) {
      problems.push({
        code: 'invalid_interpolation',
        message: `"${token}" is not a variable reference: use \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`,
        token,
      });
      continue;
    }
    const name = match[1] as string;
    const fallback = match[2];
    if (!variables.includes(name)) variables.push(name);
    template += `\${${name}}`;
    const current = env[name];
    if (name === SECRET_KEY_VARIABLE || (secretKey !== '' && current?.includes(secretKey))) {
      problems.push({
        code: 'forbidden_variable',
        message:
          name === SECRET_KEY_VARIABLE
            ? `${SECRET_KEY_VARIABLE} is never read into a manifest: it is the key clerk-sync calls Clerk with`
            : `environment variable ${name} holds the Clerk secret key (${SECRET_KEY_VARIABLE}), which is never read into a manifest`,
        token,
        hint: 'Remove the reference: manifest values end up in plans, pull-request comments and artifacts.',
      });
      continue;
    }
    if (current !== undefined && (current !== '' || fallback === undefined)) {
      value += current;
    } else if (fallback !== undefined) {
      value += fallback;
    } else {
      problems.push({
        code: 'unset_variable',
        message: `environment variable ${name} is not set`,
        token,
      });
    }
  }
  return { value, variables, single: references === 1 && !literalText && problems.length === 0, problems, template };
}

/**
 * The variable of a value written as one plain `${VAR}` whose only problem is that VAR is unset: for a create-only
 * field (a password) that is an error only when the plan creates the user, so the reader defers it.
 */
export function deferredVariable(result: InterpolationResult): string | undefined {
  const [name] = result.variables;
  if (result.variables.length !== 1 || result.template !== `\${${name}}` || result.problems.length === 0)
    return undefined;
  return result.problems.every((problem) => problem.code === 'unset_variable') ? name : undefined;
}
