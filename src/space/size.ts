/**
 * A search space's size as a plain number. `SearchSpace.size()` is a bigint because some spaces (DARTS, Zoph & Le)
 * exceed 2^53; most uses (array lengths, prose) want a number.
 */
import type { SearchSpace } from "./types.js";

/** The number of architectures in `space` as a number; throws a RangeError if it is too large to be exact. */
export function spaceSize(space: Pick<SearchSpace<unknown>, "name" | "size">): number {
  const n = space.size();
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(
      `${space.name} has ${n} architectures, more than a number holds exactly (2^53); use space.size() (a bigint) or formatSpaceSize(space)`,
    );
  }
  return Number(n);
}

/** The size for prose: "15,625" while exact digits are readable, "1.1e+25" beyond a trillion. */
export function formatSpaceSize(space: Pick<SearchSpace<unknown>, "size">): string {
  const n = space.size();
  if (n < 10n ** 12n) return n.toLocaleString("en-US");
  return Number(n).toExponential(1);
}
