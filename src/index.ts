/** nasbook: Neural Architecture Search primitives. `import * as nas from "nasbook"`. */
export { Rng, hashString } from "./rng.js";
export type { RngState, Seed } from "./rng.js";
export * from "./errors.js";
export type * from "./space/types.js";
export type * from "./estimate/types.js";
export { failedResult } from "./estimate/types.js";
export type * from "./strategy/types.js";
