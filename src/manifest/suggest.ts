// "Did you mean ...?" for unknown fields, enum values and organization slugs: the closest candidate by edit
// distance, after ignoring case, `_` and `-` (so `first_name` and `firstname` find `firstName`), or a candidate
// the input is a prefix of (`email` finds `emailAddresses`).

function normalise(word: string): string {
  return word.toLowerCase().replaceAll(/[_\-\s]/g, '');
}

/** Levenshtein distance, stopping early once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/** The candidate the input most likely meant, or undefined when none is close. */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  const wanted = normalise(input);
  if (wanted === '') return undefined;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const normal = normalise(candidate);
    let score: number;
    if (normal === wanted) score = 0;
    else if (wanted.length >= 4 && (normal.startsWith(wanted) || wanted.startsWith(normal))) score = 0.5;
    else {
      const limit = Math.max(1, Math.min(3, Math.floor(wanted.length / 3)));
      const distance = editDistance(wanted, normal, limit);
      if (distance > limit) continue;
      score = distance;
    }
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = suggest(input, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}
