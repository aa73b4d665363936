// Lengths of padded token rows.

/** The token count of each padded row of `data` ([count, L], row-major): its length before the trailing padding (L when padId is null). */
export function sequenceLengths(data: ArrayLike<number>, count: number, L: number, padId: number | null): number[] {
  return Array.from({ length: count }, (_, i) => {
    if (padId === null) return L;
    let k = L;
    while (k > 0 && data[i * L + k - 1] === padId) k--;
    return k;
  });
}
