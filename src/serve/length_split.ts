// How a MIMOFormer batch of variable-length sequences is run: its superpositions (n consecutive
// inputs each) are split into runs of consecutive superpositions, and each run is one forward pass
// cut to its own longest sequence. A pass costs about `overhead + tokens` (in token units: the
// worker measures the overhead at start-up), so the split minimises
//
//   Σ_runs  overheadTokens + (superpositions in the run) · n · (longest sequence in the run)
//
// exactly, by dynamic programming over the run boundaries (batches hold at most a few dozen
// superpositions). With the scheduler ordering each batch longest first, a run of long sequences no
// longer pads the short ones to its length.

/**
 * The runs that minimise the batch's cost: `longest[g]` is superposition g's longest sequence, n its
 * inputs. Returns the runs' boundaries in superpositions: [0, b1, ..., G].
 */
export function splitByLength(longest: readonly number[], n: number, overheadTokens: number): number[] {
  const G = longest.length;
  if (G === 0) return [0];
  if (!(overheadTokens >= 0)) throw new RangeError(`splitByLength: overheadTokens must be >= 0, got ${overheadTokens}`);
  if (overheadTokens === Infinity) return [0, G];
  const best = new Float64Array(G + 1).fill(Infinity);
  const from = new Int32Array(G + 1);
  best[0] = 0;
  for (let end = 1; end <= G; end++) {
    let top = 0;
    for (let start = end - 1; start >= 0; start--) {
      top = Math.max(top, longest[start]);
      const c = best[start] + overheadTokens + (end - start) * n * top;
      if (c <= best[end]) { // ties go to the longer run: fewer passes
        best[end] = c;
        from[end] = start;
      }
    }
  }
  const bounds = [G];
  while (bounds[0] > 0) bounds.unshift(from[bounds[0]]);
  return bounds;
}
