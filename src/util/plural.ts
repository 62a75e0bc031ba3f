// The one way clerk-sync counts things in its messages: `1 user`, `2 users`, `0 users`.

/** `count` and the noun, plural unless the count is 1; `many` for nouns that do not just add an s. */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}
