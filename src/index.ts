/**
 * nasbook's public API: `import * as nas from "nasbook"` (the `nas` of a notebook cell is this module).
 *
 * What is public, as rules, so a new name is easy to place:
 *  1. the contracts (spaces, evaluators, strategies, results, snapshots) and what someone writing their own
 *     implementation of one needs: `failedResult`, `spaceContractViolations`, `requireCapabilities`, the errors the
 *     contracts name;
 *  2. every built-in space, strategy, evaluator and weight-sharing search, with the models and data they train on;
 *  3. `search` and what its options take: trial stores, executors, a progress display;
 *  4. `viz`, the figures, `ui`, the controls, and the rich-display protocol (`mimeSymbol`, `mimeOutput`);
 *  5. the statistics tutorials report (rank correlations).
 * Everything else (codecs, job runners, hashing, trial keys, recipes, the notebook's session, helpers of one
 * algorithm) is in `nasbook/internal`, for tests and benchmarks. Each name says what it is, and no name means two
 * things (test/apiReport.test.ts checks both against api/nasbook.api.md).
 */
export { Rng } from "./rng.js";
export type { RngState, Seed } from "./rng.js";

// contracts, and what writing your own implementation of one needs
export type * from "./space/types.js";
export type * from "./estimate/types.js";
export type * from "./strategy/types.js";
export { failedResult } from "./estimate/types.js";
export { spaceContractViolations } from "./space/contract.js";
export {
  NasbookError, ArchParseError, UnknownOpError, InvalidArchError, BudgetError, CapabilityError, DataFileError, CheckpointError, AbortError,
  throwIfAborted, requireCapabilities,
} from "./errors.js";

// search spaces
export { nb201Space } from "./space/nb201.js";
export type { Nb201Arch, Nb201Op, Nb201Space } from "./space/nb201.js";
export { chainSpace } from "./space/chain.js";
export type { ChainArch, ChainConv, ChainDense, ChainOptions, ChainSpace } from "./space/chain.js";
export { zophLeSpace } from "./space/zophLe.js";
export type { ZophLeArch, ZophLeLayer, ZophLeOptions, ZophLeSpace } from "./space/zophLe.js";
export { dartsSpace } from "./space/darts.js";
export type { DartsArch, DartsEdge, DartsOp, DartsCellName, DartsOptions, DartsSpace } from "./space/darts.js";
export { pnasSpace } from "./space/pnas.js";
export type { PnasArch, PnasBlock, PnasOp, PnasOptions, PnasSpace } from "./space/pnas.js";
export { hierarchicalSpace } from "./space/hierarchical.js";
export type { HierarchicalArch, HierarchicalPrimitive, HierarchicalOptions, HierarchicalSpace } from "./space/hierarchical.js";
export { spaceSize, formatSpaceSize } from "./space/size.js";

// the search loop
export { search } from "./search.js";
export type { Budget, BestTrial, SearchConfig, SearchEvent, SearchResult, SearchRun, SearchStartedEvent, Trial } from "./search.js";

// strategies
export { randomSearch } from "./strategy/random.js";
export type { RandomSearchOptions } from "./strategy/random.js";
export { regularizedEvolution } from "./strategy/evolution.js";
export type { RegularizedEvolutionOptions } from "./strategy/evolution.js";
export { localSearch, nb201ParamsWarmup } from "./strategy/localSearch.js";
export type { LocalSearchOptions, ZeroCostWarmup } from "./strategy/localSearch.js";
export { reinforce } from "./strategy/reinforce.js";
export type { ReinforceOptions } from "./strategy/reinforce.js";
export { pnas, pnasCells } from "./strategy/pnas.js";
export type { ProgressiveSpace, PnasStrategyOptions } from "./strategy/pnas.js";
export { pnasNb201 } from "./strategy/pnasNb201.js";
export { predictorEvolution } from "./strategy/predictorEvolution.js";
export type { PredictorEvolutionOptions } from "./strategy/predictorEvolution.js";
export { deltaNas } from "./strategy/deltaNas.js";
export type { DeltaNasOptions } from "./strategy/deltaNas.js";

// weight sharing: supernets, DARTS, GDAS, one-shot (SPOS), ENAS
export { nb201Supernet } from "./model/supernetNb201.js";
export type { Nb201Supernet, Nb201SupernetOptions } from "./model/supernetNb201.js";
export { dartsSupernet } from "./model/supernetDarts.js";
export type { DartsSupernet, DartsSupernetOptions } from "./model/supernetDarts.js";
export type { Supernet, SupernetOptions } from "./model/supernet.js";
export type { Proposal, WeightSharingResult, WeightSharingRunOptions, WeightSharingSearch } from "./model/supernetSearch.js";
export { dartsSearch } from "./strategy/darts.js";
export type { DartsSearchOptions, DartsRemedy } from "./strategy/darts.js";
export { gdasSearch } from "./strategy/gdas.js";
export type { GdasSearchOptions } from "./strategy/gdas.js";
export { oneShotSearch, proposalStrategy } from "./strategy/oneShot.js";
export type { OneShotSearchOptions } from "./strategy/oneShot.js";
export { enasSearch } from "./strategy/enas.js";
export type { EnasSearchOptions } from "./strategy/enas.js";
export { liveSnapshots } from "./model/liveSnapshots.js";
export type { LiveSnapshot } from "./model/liveSnapshots.js";

// evaluators
export { nb201TableEvaluator, loadNb201Table, Nb201Table } from "./estimate/nb201Table.js";
export type { Nb201Dataset, Nb201EvaluatorOptions, Nb201Metrics, Nb201TrialResult } from "./estimate/nb201Table.js";
export { trainEvaluator } from "./estimate/train.js";
export type { TrainEvaluator, TrainEvaluatorOptions, TrainMetrics, TrainTrialResult, FailedTrainResult, ModelBuilder } from "./estimate/train.js";
export type { TrainConfig, EpochRecord, LrSchedule, EarlyStopping } from "./estimate/fit.js";
export { successiveHalving } from "./estimate/halving.js";
export type { HalvingOptions, HalvingResult, RungTrial } from "./estimate/halving.js";
export { hyperband } from "./estimate/hyperband.js";
export type { HyperbandOptions, HyperbandResult } from "./estimate/hyperband.js";
export { computeProxies, PROXY_NAMES } from "./estimate/proxies.js";
export type { ProxyBatch, ProxyName } from "./estimate/proxies.js";
export { proxyEvaluator } from "./estimate/proxyEvaluator.js";
export type { ProxyEvaluatorOptions } from "./estimate/proxyEvaluator.js";
export { precomputedProxyEvaluator, loadZcTable, spearmanBootstrapCI } from "./estimate/precomputedProxies.js";
export type { PrecomputedProxyOptions, ZcDataset, ZcProxy, ZcRow } from "./estimate/precomputedProxies.js";
export { spearman, kendallTau } from "./predict/rank.js";

// models
export { modelBuilder } from "./model/build.js";
export type { NetworkSize } from "./model/build.js";
export { nb201Model } from "./model/nb201.js";
export { chainModel } from "./model/chain.js";
export { dartsModel } from "./model/darts.js";
export { pnasModel } from "./model/pnas.js";
export { zophLeModel } from "./model/zophLe.js";
export { hierarchicalModel } from "./model/hierarchical.js";
export { countParams, countFlops } from "./model/count.js";
export type { BuiltModel, ModelOptions } from "./model/types.js";

// data
export { loadMnist } from "./data/mnist.js";
export type { MnistOptions } from "./data/mnist.js";
export { loadCifar10 } from "./data/cifar10Loader.js";
export { syntheticSplits } from "./data/synthetic.js";
export { splitDataset, normalizeSplits, limitSplits } from "./data/split.js";
export type { SplitSizes } from "./data/split.js";
export { dataDir, dataPath } from "./data/dir.js";
export type { DataSplits, ImageDataset, ImageShape } from "./data/types.js";

// training backend
export { initBackend, backendInfo } from "./backend/index.js";
export type { BackendInfo, BackendName, InitBackendOptions } from "./backend/index.js";

// costs and several objectives: latency and FLOPs evaluators, constraints, multi-objective strategies, model export
export { measureLatency } from "./cost/measureLatency.js";
export type { LatencyOptions, LatencyMeasurement } from "./cost/measureLatency.js";
export { latencyEvaluator } from "./cost/latencyEvaluator.js";
export type { LatencyEvaluatorOptions } from "./cost/latencyEvaluator.js";
export { nb201LatencyEvaluator } from "./cost/nb201Latency.js";
export type { Nb201LatencyOptions, Nb201LatencyRow } from "./cost/nb201Latency.js";
export { loadNb201LatencyTable } from "./latencyTable.js";
export { nb201CostEvaluator } from "./cost/nb201Costs.js";
export type { Nb201CostOptions } from "./cost/nb201Costs.js";
export { combineEvaluators } from "./cost/combined.js";
export { constrainedEvaluator } from "./cost/constrained.js";
export type { ConstrainedOptions, Limit } from "./cost/constrained.js";
export { nsga2 } from "./strategy/nsga2.js";
export type { Nsga2Options } from "./strategy/nsga2.js";
export { moRegularizedEvolution } from "./strategy/moEvolution.js";
export type { MoRegularizedEvolutionOptions } from "./strategy/moEvolution.js";
export { enumeration } from "./strategy/enumeration.js";
export { hypervolume } from "./strategy/hypervolume.js";
export type { Objective, ObjectiveSpec } from "./strategy/objectives.js";
export { exportModel } from "./export/exportModel.js";
export { runOnnx } from "./export/onnxCheck.js";
export type { ExportFormat, ExportModelOptions, ExportReport } from "./export/exportModel.js";

// where trials run and what they remember: stores, executors, a progress display
export type { Recipe } from "./recipe.js";
export type { Executor, TrialStore } from "./exec/types.js";
export { memoryStore, directoryStore } from "./exec/store.js";
export type { DirectoryStoreOptions } from "./exec/store.js";
export { redisStore } from "./exec/redisStore.js";
export type { RedisStoreOptions, RedisTrialStore } from "./exec/redisStore.js";
export { inProcessExecutor } from "./exec/inProcess.js";
export { poolExecutor, sharedPool } from "./exec/pool.js";
export type { PoolExecutor, PoolOptions } from "./exec/pool.js";
export { bullmqExecutor } from "./exec/bullmq.js";
export type { BullmqExecutor, BullmqExecutorOptions } from "./exec/bullmq.js";
export { searchProgress } from "./exec/progress.js";
export type { ProgressOptions, SearchProgress } from "./exec/progress.js";

// figures and the rich-display protocol (the reactive Notebook itself is `import { Notebook } from "nasbook/notebook"`:
// it loads the TypeScript compiler, which a plain `import * as nas from "nasbook"` should not pay for)
export * as viz from "./viz/index.js";
// controls in cells (range, select, ...): their values are what readers see
export * as ui from "./ui/index.js";
export { mimeSymbol, mimeOutput } from "./notebook/mime.js";
export type { MimeBundle, MimeRenderable } from "./notebook/mime.js";
