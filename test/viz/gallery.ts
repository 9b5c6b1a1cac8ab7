/** Every figure kind built from the fixtures: what the browser test renders and the README screenshots show. */
import type { Figure } from "../../src/viz/figure.js";
import { notebookGraph } from "../../src/viz/notebookGraph.js";
import { policyHeatmap } from "../../src/viz/policyHeatmap.js";
import { populationScatter } from "../../src/viz/populationScatter.js";
import { searchCurves } from "../../src/viz/searchCurves.js";
import { supernetGraph } from "../../src/viz/supernetGraph.js";
import { trainingCurves } from "../../src/viz/trainingCurves.js";
import * as fx from "./fixtures.js";

export interface GalleryEntry {
  name: string;
  figure: Figure;
}

export function gallery(): GalleryEntry[] {
  return [
    { name: "supernet-nb201", figure: supernetGraph({ policy: fx.nb201Policy(1) }, { title: "NB201 supernet (softmax α per edge)" }) },
    { name: "supernet-darts", figure: supernetGraph({ policy: fx.dartsPolicy(2) }, { title: "DARTS supernet, normal and reduction cells", combine: "concat" }) },
    { name: "arch-nb201", figure: supernetGraph(fx.nb201Graph(["nor_conv_3x3", "skip_connect", "nor_conv_1x1", "none", "nor_conv_3x3", "avg_pool_3x3"]), { title: "NB201 architecture" }) },
    { name: "arch-multibranch", figure: supernetGraph(fx.multiBranchGraph(), { title: "Multi-branch chain (ops on nodes)" }) },
    { name: "policy", figure: policyHeatmap(fx.policySnapshots(3)) },
    { name: "population", figure: populationScatter({ strategy: "evolution", step: 160, population: fx.population(4) }, { cost: "params", costLabel: "params (M)", qualityLabel: "accuracy (%)" }) },
    { name: "search-curves", figure: searchCurves(fx.searchRuns(5), { metric: "test accuracy (%)", timePanel: true }) },
    { name: "training", figure: trainingCurves(fx.trainingEpochs(6)) },
    { name: "notebook", figure: notebookGraph(fx.notebook()) },
  ];
}
