// The compiled library (dist/) loads tfjs with require() (scripts/build.js rewrites each `@tensorflow/tfjs` import);
// a live page bundles tfjs, so the page's bundler turns those statements back into imports. Without it a page built
// from dist/ had no tfjs at all (its cells failed: "the package @tensorflow/tfjs is not available in a live page").
import { describe, expect, it } from "vitest";
import { tfjsImportsRestored } from "../../src/notebook/pageBundle.js";

describe("tfjsImportsRestored", () => {
  it("undoes scripts/build.js's rewrite of namespace and named tfjs imports, and leaves other code alone", () => {
    const compiled = [
      'import { createRequire as __nasbookRequire0 } from "node:module"; const tf = __nasbookRequire0(import.meta.url)("@tensorflow/tfjs");',
      'import { createRequire as __nasbookRequire1 } from "node:module"; const { tidy, Tensor: T } = __nasbookRequire1(import.meta.url)("@tensorflow/tfjs");',
      'const here = import.meta.url;',
    ].join("\n");
    expect(tfjsImportsRestored(compiled)).toBe([
      'import * as tf from "@tensorflow/tfjs";',
      'import { tidy, Tensor as T } from "@tensorflow/tfjs";',
      "const here = import.meta.url;",
    ].join("\n"));
  });
});
