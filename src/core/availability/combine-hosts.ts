/**
 * Combining per-host slot starts (each ascending and unique) in linear merges: collective keeps the
 * starts every host has, round-robin keeps the starts any host has and lists which hosts have each.
 */

export function intersectStarts(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

function unionTwo(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const y = j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY;
    if (x <= y) {
      out.push(x);
      i++;
      if (x === y) j++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/** Union in pairwise rounds (a merge tree): k lists of n starts cost O(k·n·log k), not O(k²·n). */
function unionInRounds(lists: readonly (readonly number[])[]): number[] {
  let round = lists.slice();
  if (round.length === 0) return [];
  while (round.length > 1) {
    const next: (readonly number[])[] = [];
    for (let i = 0; i < round.length; i += 2) {
      const second = round[i + 1];
      next.push(second === undefined ? (round[i] as readonly number[]) : unionTwo(round[i]!, second));
    }
    round = next;
  }
  return (round[0] as readonly number[]).slice();
}

export interface StartsWithHosts {
  readonly starts: number[];
  /** For each start, indexes of the hosts that have it, in host order. */
  readonly hostIndexes: number[][];
}

export function unionStarts(lists: readonly (readonly number[])[]): StartsWithHosts {
  const starts = unionInRounds(lists);
  const hostIndexes: number[][] = starts.map(() => []);
  lists.forEach((list, hostIndex) => {
    let position = 0;
    for (const start of list) {
      while (starts[position] !== start) position++;
      hostIndexes[position]!.push(hostIndex);
    }
  });
  return { starts, hostIndexes };
}
