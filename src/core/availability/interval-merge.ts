/** Sort (start, end) pairs by start in place, through an index permutation: O(n log n) for any input. */
function sortByStartIndexed(starts: number[], ends: number[]): void {
  const order = starts.map((_, index) => index).sort((a, b) => starts[a]! - starts[b]!);
  const sortedStarts = order.map((index) => starts[index]!);
  const sortedEnds = order.map((index) => ends[index]!);
  for (let i = 0; i < order.length; i++) {
    starts[i] = sortedStarts[i]!;
    ends[i] = sortedEnds[i]!;
  }
}

/**
 * Sort (start, end) pairs by start in place. Calendars and the database return busy time sorted or nearly
 * so (a day's events out of order), where insertion sort is linear and allocates nothing; past a budget of
 * moves it hands over to the O(n log n) sort, so scrambled input costs no more than that.
 */
function sortByStart(starts: number[], ends: number[]): void {
  const budget = 8 * starts.length + 64;
  let moves = 0;
  for (let i = 1; i < starts.length; i++) {
    const start = starts[i]!;
    const end = ends[i]!;
    let j = i - 1;
    while (j >= 0 && starts[j]! > start) {
      starts[j + 1] = starts[j]!;
      ends[j + 1] = ends[j]!;
      j--;
    }
    starts[j + 1] = start;
    ends[j + 1] = end;
    moves += i - 1 - j;
    if (moves > budget) {
      sortByStartIndexed(starts, ends);
      return;
    }
  }
}

/**
 * Sort by start and merge overlapping or touching intervals, in one pass after the sort. Sorts the given
 * arrays in place; returns new, disjoint, ascending ones.
 */
export function mergeIntervals(starts: number[], ends: number[]): [number[], number[]] {
  sortByStart(starts, ends);
  const mergedStarts: number[] = [];
  const mergedEnds: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const end = ends[i]!;
    const last = mergedEnds.length - 1;
    if (last >= 0 && start <= mergedEnds[last]!) {
      if (end > mergedEnds[last]!) mergedEnds[last] = end;
    } else {
      mergedStarts.push(start);
      mergedEnds.push(end);
    }
  }
  return [mergedStarts, mergedEnds];
}
