/**
 * nasbook figures: each takes what the library produces (search results, strategy snapshots, trials) and returns a
 * `Figure`, which a notebook displays (`toMimeBundle()`) and the HTML export embeds. Public surface of `nas.viz`.
 */
export { Figure, PlotlyFigure, SvgFigure } from "./figure.js";
export type { FigureBundle, PlotlySpec, PlotlyTrace, PlotlyFrame, RenderContext } from "./figure.js";
export { customFigure } from "./customFigure.js";
export type { CustomFigureOptions } from "./customFigure.js";
// Named in figures' own fallback message ("call nas.viz.defaultPlotlySession.reset()").
export { defaultPlotlySession } from "./plotlyLibrary.js";
export { figuresPage } from "./page.js";
export type { FiguresPageOptions } from "./page.js";
export { searchCurves } from "./searchCurves.js";
export type { CurveResult, CurveRun, SearchCurvePoint, SearchCurvesInput, SearchCurvesOptions } from "./searchCurves.js";
export { populationScatter } from "./populationScatter.js";
export type { PopulationOptions } from "./populationScatter.js";
export { policyHeatmap } from "./policyHeatmap.js";
export type { PolicyHeatmapOptions } from "./policyHeatmap.js";
export { supernetGraph } from "./supernetGraph.js";
export type { SupernetGraphOptions } from "./supernetGraph.js";
export type { SupernetSource } from "./supernetModel.js";
export { trainingCurves } from "./trainingCurves.js";
export type { TrainingEpoch, TrainingRun, TrialWithCurves, TrainingCurvesOptions } from "./trainingCurves.js";
export { snapshotFigures } from "./snapshotFigures.js";
export type { SnapshotFiguresOptions } from "./snapshotFigures.js";
export { notebookGraph } from "./notebookGraph.js";
export type { NotebookGraphInput, NotebookGraphCell, NotebookGraphOptions, CellState } from "./notebookGraph.js";
