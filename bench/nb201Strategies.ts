/** The strategies bench:nb201 compares, with the settings it uses for each. */
import type { SpaceStrategyFactory, StrategyFactory } from "../src/search.js";
import type { Nb201Arch } from "../src/space/nb201.js";
import { localSearch } from "../src/strategy/localSearch.js";
import { randomSearch } from "../src/strategy/random.js";
import { regularizedEvolution } from "../src/strategy/evolution.js";

export function nb201Strategies(): Record<string, StrategyFactory | SpaceStrategyFactory<Nb201Arch>> {
  return {
    random: randomSearch(),
    "regularized-evolution": regularizedEvolution({ population: 20, sample: 5 }),
    "local-search": localSearch({ init: 10 }),
  };
}
