/**
 * A pure function of a string, remembered: the answer for a key seen before
 * is a lookup. The table is bounded: when it holds `max` answers it is
 * cleared and starts again, so keys that never repeat (hostile input) cost
 * at most `max` entries. An input that makes `compute` throw is not kept;
 * `compute` never answers undefined (that is how a miss is told).
 *
 * For the few values that recur on a hot path: the addresses of a capture's
 * or a proxy's peers, the From and To of a call's messages.
 */
export function boundedMemo<V extends {} | null>(max: number, compute: (key: string) => V): (key: string) => V {
  const known = new Map<string, V>();
  return (key) => {
    const hit = known.get(key);
    if (hit !== undefined) return hit;
    const v = compute(key);
    if (known.size >= max) known.clear();
    known.set(key, v);
    return v;
  };
}
