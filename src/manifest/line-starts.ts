// Line and column of an offset in a manifest file. The yaml package's LineCounter keeps line starts in a growing
// array of numbers; a 100,000-user manifest has 1.1 million lines, and that array (kept for as long as the
// manifest's positions are) plus the copies made while it grew cost about 25 MB. The fast reader's files use
// LineStarts instead: one Int32Array, filled once.

/** What positions.ts asks of a line table; yaml's LineCounter and LineStarts both answer it. */
export interface LinePositions {
  /** 1-based line and column of `offset`, exactly as yaml's LineCounter.linePos answers. */
  linePos(offset: number): { line: number; col: number };
}

export class LineStarts implements LinePositions {
  private readonly starts: Int32Array;

  /** The line starts of `text`: offset 0, and the offset after every '\n'. */
  constructor(text: string) {
    let count = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count += 1;
    const starts = new Int32Array(count);
    let line = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
      starts[line] = at + 1;
      line += 1;
    }
    this.starts = starts;
  }

  linePos(offset: number): { line: number; col: number } {
    // yaml's LineCounter.linePos (yaml/dist/parse/line-counter.js), over the typed array.
    const starts = this.starts;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((starts[mid] as number) < offset) low = mid + 1;
      else high = mid;
    }
    if (starts[low] === offset) return { line: low + 1, col: 1 };
    if (low === 0) return { line: 0, col: offset };
    return { line: low, col: offset - (starts[low - 1] as number) + 1 };
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Columns in characters (code points), not UTF-16 units: an emoji before an error counts one column, as editors
 * and GitHub annotations count. A text without surrogates answers as `inner` does, at no cost.
 */
export function charColumns(inner: LinePositions, text: string): LinePositions {
  if (!SURROGATE.test(text)) return inner;
  // The last answer, continued when the next offset is further on the same line (positions are asked in order).
  let lastStart = -1;
  let lastOffset = 0;
  let lastPairs = 0;
  return {
    linePos(offset) {
      const { line, col } = inner.linePos(offset);
      const lineStart = offset - col + 1;
      let from = lineStart;
      let pairs = 0;
      if (lineStart === lastStart && offset >= lastOffset) [from, pairs] = [lastOffset, lastPairs];
      for (let at = from; at < offset; at += 1) {
        const code = text.charCodeAt(at);
        // A low surrogate after a high one is the second half of one character.
        if (code >= 0xdc00 && code <= 0xdfff && at > lineStart) {
          const previous = text.charCodeAt(at - 1);
          if (previous >= 0xd800 && previous <= 0xdbff) pairs += 1;
        }
      }
      [lastStart, lastOffset, lastPairs] = [lineStart, offset, pairs];
      return { line, col: col - pairs };
    },
  };
}
