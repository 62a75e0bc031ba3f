// The strings a manifest read from the environment, and the name outputs give each instead of its value: the
// string as written with its references, `(from ${DOMAIN})` or `(from ops@${DOMAIN})`. Pure.

import type { EnvironmentValue } from '../model/index.ts';
import type { ParsedFile } from './positions.ts';

/**
 * Every resolved string of `files` that read a variable, in reading order, and its lower-case form where that
 * differs (emails are planned lower-cased; usernames compare so). Empty strings show nothing and are left out.
 */
export function environmentValues(files: readonly ParsedFile[]): EnvironmentValue[] {
  const values: EnvironmentValue[] = [];
  for (const file of files) {
    for (const result of file.interpolated.values()) {
      if (result.variables.length === 0 || result.problems.length > 0 || result.value === '') continue;
      const entry: EnvironmentValue = { value: result.value, variables: result.variables, template: result.template };
      values.push(entry);
      const lower = result.value.toLowerCase();
      if (lower !== result.value) values.push({ ...entry, value: lower });
    }
  }
  return values;
}

export interface EnvironmentName {
  /** `(from ${DOMAIN})`; `(from ${DOMAIN} #2)` for a second value written the same way (defaults differ). */
  reference: string;
  /** Every variable any occurrence of the value read: it may be shown only when all of them may. */
  variables: string[];
}

/**
 * Value -> its name, from the values in order: the same list gives the same names. Values written alike get the
 * same name when they differ only by case (one is the other's lower-case form), else a number.
 */
export function environmentNames(values: readonly EnvironmentValue[]): Map<string, EnvironmentName> {
  const names = new Map<string, EnvironmentName>();
  const numbers = new Map<string, Map<string, number>>();
  for (const entry of values) {
    const known = names.get(entry.value);
    if (known) {
      for (const variable of entry.variables) if (!known.variables.includes(variable)) known.variables.push(variable);
      continue;
    }
    const written = entry.template ?? entry.variables.map((variable) => `\${${variable}}`).join(', ');
    let byValue = numbers.get(written);
    if (!byValue) {
      byValue = new Map();
      numbers.set(written, byValue);
    }
    const folded = entry.value.toLowerCase();
    let number = byValue.get(folded);
    if (number === undefined) {
      number = byValue.size + 1;
      byValue.set(folded, number);
    }
    names.set(entry.value, {
      reference: `(from ${written}${number === 1 ? '' : ` #${number}`})`,
      variables: [...entry.variables],
    });
  }
  return names;
}
