// The one way clerk-sync counts things in its messages: `1 user`, `2 users`, `0 users`.

/** `count` and the noun, plural unless the count is 1; `many` for nouns that do not just add an s. */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}

/**
 * A whole number with a comma between thousands, as `toLocaleString('en-US')` writes it: `1,000,000`. Not that call,
 * whose first use loads ICU's number formatting (about 20 ms of every command's start, measured).
 */
export function thousands(value: number): string {
  if (!Number.isSafeInteger(value)) return value.toLocaleString('en-US');
  return String(value).replace(/\B(?=(\d{3})+$)/g, ',');
}
