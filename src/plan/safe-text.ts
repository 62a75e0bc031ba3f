// Text a user wrote, made safe to show on one line: in a terminal (no escape sequences), in a CI log, and in the
// Markdown a pull request shows (no line breaks that end a table, a list or an HTML block, no hidden bidi overrides).

/**
 * C0 and C1 controls (ESC starts terminal escape sequences; line breaks start new Markdown blocks), the Unicode line
 * and paragraph separators, and the bidi controls "Trojan Source" (CVE-2021-42574) uses to reorder what is shown.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters it removes.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The text on one line, each unsafe character written as a visible escape (`\n`, `\u001b`). */
export function oneLine(text: string): string {
  return text.replace(UNSAFE, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
