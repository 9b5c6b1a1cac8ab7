/**
 * Memoises a pure function of a string key (e.g. the canonical form of one cell or motif, which neighbouring
 * architectures share). The cache is dropped when it reaches `limit` entries, bounding memory. Returned values are
 * shared: callers must not mutate them.
 */
export function memoize<V>(fn: (key: string) => V, limit = 50_000): (key: string) => V {
  let cache = new Map<string, V>();
  return (key: string): V => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const v = fn(key);
    if (cache.size >= limit) cache = new Map();
    cache.set(key, v);
    return v;
  };
}
