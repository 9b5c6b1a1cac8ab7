/** nasbook: Neural Architecture Search primitives. `import * as nas from "nasbook"`. */
export { Rng, hashString } from "./rng.js";
export type { RngState, Seed } from "./rng.js";
export * from "./errors.js";
export { dataDir, dataPath, setDataDir } from "./data/dir.js";

// contracts
export type * from "./space/types.js";
export type * from "./estimate/types.js";
export { failedResult } from "./estimate/types.js";
export type * from "./strategy/types.js";

// search spaces
export { nb201Space, NB201_OPS, NB201_EDGES, nb201Key, natsUniqueString, formatNb201, parseNb201 } from "./space/nb201.js";
export type { Nb201Arch, Nb201Op, Nb201Space } from "./space/nb201.js";
export { chainSpace } from "./space/chain.js";
export type { ChainArch, ChainConv, ChainDense, ChainOptions, ChainSpace } from "./space/chain.js";
export { zophLeSpace, ZOPH_LE_MERGE } from "./space/zophLe.js";
export type { ZophLeArch, ZophLeLayer, ZophLeOptions, ZophLeSpace } from "./space/zophLe.js";
export { dartsSpace, DARTS_OPS, DARTS_GENOTYPE_OPS } from "./space/darts.js";
export type { DartsArch, DartsEdge, DartsOp, DartsCellName, DartsOptions, DartsSpace } from "./space/darts.js";
export { pnasSpace, PNAS_OPS } from "./space/pnas.js";
export type { PnasArch, PnasBlock, PnasOp, PnasOptions, PnasSpace } from "./space/pnas.js";
export { hierarchicalSpace, HIERARCHICAL_PRIMITIVES } from "./space/hierarchical.js";
export type { HierarchicalArch, HierarchicalPrimitive, HierarchicalOptions, HierarchicalSpace } from "./space/hierarchical.js";
export { canonicalForm } from "./space/canonical.js";
export type { LabelledDag, CanonicalForm } from "./space/canonical.js";
export { spaceContractViolations, graphProblems } from "./space/contract.js";
export { encodePaths, pathEncodingLength } from "./space/pathEncoding.js";
export { spaceSize, formatSpaceSize } from "./space/size.js";

// evaluators
export { nb201TableEvaluator, loadNb201Table, Nb201Table, nb201Dataset, NB201_DATASETS, NB201_COLUMNS } from "./estimate/nb201Table.js";
export type { Nb201Dataset } from "./estimate/nb201Table.js";

// the search loop and strategies
export { search, checkBudget, trialSeed } from "./search.js";
export type { Budget, SearchConfig, SearchEvent, SearchResult, SearchRun, StrategyFactory, SpaceStrategyFactory, Trial } from "./search.js";
export { NonFiniteObjectiveError, SearchDeadlineError, type SearchStartedEvent } from "./search.js";
export { openCheckpoint, type CheckpointHeader } from "./checkpoint.js";
// trials computed once: identity, recipes, stores on this machine, the in-process executor, the notebook default
export type { Recipe, TrialTask, Executor, TrialStore } from "./exec/types.js";
export { trialKey, canonicalJson, evaluatorFingerprint, nasbookVersion, FingerprintError, type TrialIdentity } from "./exec/trialKey.js";
export { evaluatorFromRecipe, spaceFromRecipe, recipeOf, dataFromRecipe, RecipeError, EVALUATOR_RECIPES, SPACE_RECIPES, type DataRecipe } from "./exec/recipe.js";
export { memoryStore, directoryStore, defaultTrialDir, isStorable, TrialStoreError } from "./exec/store.js";
export { encodeResult, decodeResult } from "./exec/resultCodec.js";
export { inProcessExecutor } from "./exec/inProcess.js";
export { NotebookSession, notebookTrialDir } from "./notebook/session.js";
export { Population } from "./strategy/population.js";
export { randomSearch } from "./strategy/random.js";
export type { RandomSearchOptions } from "./strategy/random.js";
export { regularizedEvolution } from "./strategy/evolution.js";
export type { RegularizedEvolutionOptions } from "./strategy/evolution.js";
export { localSearch, nb201ParamsWarmup } from "./strategy/localSearch.js";
export type { LocalSearchOptions, ZeroCostWarmup } from "./strategy/localSearch.js";
export * as viz from "./viz/index.js";
export * as ui from "./ui/index.js";

// rich display protocol (the reactive Notebook itself is `import { Notebook } from "nasbook/notebook"`: it loads the
// TypeScript compiler, which a plain `import * as nas from "nasbook"` should not pay for)
export { mime, mimeSymbol, toMimeBundle } from "./notebook/mime.js";
export type { MimeBundle, MimeRenderable } from "./notebook/mime.js";

// training backend
export { initBackend, backendInfo, parseBackendChoice, BackendUnavailableError, UnknownBackendError } from "./backend/index.js";
export type { BackendInfo, BackendName, InitBackendOptions, TrainingKernelRegistration } from "./backend/index.js";

// models
export { nb201Model, nb201Params, NB201_PAPER } from "./model/nb201.js";
export { chainModel } from "./model/chain.js";
export { dartsModel } from "./model/darts.js";
export { pnasModel } from "./model/pnas.js";
export { zophLeModel } from "./model/zophLe.js";
export { hierarchicalModel } from "./model/hierarchical.js";
export { nodeGraphModel } from "./model/nodeGraph.js";
export { modelBuilder } from "./model/build.js";
export { countParams, countFlops } from "./model/count.js";
export type { BuiltModel, ModelOptions } from "./model/types.js";

// data
export { loadMnist } from "./data/mnist.js";
export { loadCifar10 } from "./data/cifar10Loader.js";
export { syntheticSplits, syntheticImages } from "./data/synthetic.js";
export { parseCsv, CsvTable } from "./data/csv.js";
export type { CsvRow } from "./data/csv.js";
export { splitDataset, normalizeSplits } from "./data/split.js";
export { batches } from "./data/batches.js";
export { parseIdx } from "./data/idx.js";
export { subset } from "./data/types.js";
export type { DataSplits, ImageDataset, ImageShape } from "./data/types.js";

// training and performance estimation
export { trainEvaluator, ModelTooLargeError } from "./estimate/train.js";
export type { TrainEvaluatorOptions, TrainTrialResult, ModelBuilder, TrainRun } from "./estimate/train.js";
export { fitModel, createTrainer, evaluateModel, learningRateAt, NonFiniteLossError } from "./estimate/fit.js";
export type { TrainConfig, EpochRecord, LrSchedule, EarlyStopping, Trainer } from "./estimate/fit.js";
export { isResumable } from "./estimate/resumable.js";
export type { ResumableEvaluator, ResumableRun } from "./estimate/resumable.js";
export { successiveHalving } from "./estimate/halving.js";
export { hyperband } from "./estimate/hyperband.js";
export { computeProxies, PROXIES, PROXY_NAMES, synflow, snip, gradNorm, jacobCov, naswot, grasp, fisher } from "./estimate/proxies.js";
export type { ProxyName } from "./estimate/proxies.js";
export { proxyEvaluator } from "./estimate/proxyEvaluator.js";
export { precomputedProxyEvaluator, loadZcTable, proxyCorrelations, spearmanCorrelation, spearmanBootstrapCI, parseZcTable } from "./estimate/precomputedProxies.js";

// weight sharing: supernets, DARTS, GDAS, one-shot (SPOS), ENAS
export { alphaTable, softmaxWeights } from "./model/supernet.js";
export type { Supernet, SupernetMode, SupernetOptions } from "./model/supernet.js";
export type { Proposal, WeightSharingResult, WeightSharingRunOptions, WeightSharingSearch } from "./model/supernetSearch.js";
export { liveSnapshots } from "./model/liveSnapshots.js";
export type { LiveSnapshot } from "./model/liveSnapshots.js";
export { nb201Supernet, deriveNb201 } from "./model/supernetNb201.js";
export { dartsSupernet, deriveDartsCell } from "./model/supernetDarts.js";
export { dartsSearch } from "./strategy/darts.js";
export type { DartsSearchOptions, DartsRemedy } from "./strategy/darts.js";
export { gdasSearch, gumbelHard, gumbelNoise, gdasTemperature } from "./strategy/gdas.js";
export type { GdasSearchOptions } from "./strategy/gdas.js";
export { oneShotSearch, proposalStrategy, sharedWeightEstimator } from "./strategy/oneShot.js";
export type { OneShotSearchOptions } from "./strategy/oneShot.js";
export { enasSearch } from "./strategy/enas.js";
export type { EnasSearchOptions } from "./strategy/enas.js";
export { weightSharingReport, distinctArchs } from "./estimate/weightSharing.js";
export type { WeightSharingReport, WeightSharingRow } from "./estimate/weightSharing.js";

// learning strategies and predictors
export { reinforce } from "./strategy/reinforce.js";
export type { ReinforceOptions } from "./strategy/reinforce.js";
export { LstmController } from "./strategy/controller.js";
export { pnas, pnasCells } from "./strategy/pnas.js";
export type { Progressive, PnasStrategyOptions } from "./strategy/pnas.js";
export { pnasNb201, nb201Progressive, NB201_GROWTH } from "./strategy/pnasNb201.js";
export { predictorEvolution } from "./strategy/predictorEvolution.js";
export type { PredictorEvolutionOptions } from "./strategy/predictorEvolution.js";
export { deltaNas } from "./strategy/deltaNas.js";
export type { DeltaNasOptions } from "./strategy/deltaNas.js";
export { kendallTau, spearman, pearson, averageRanks } from "./predict/rank.js";
export { Mlp } from "./predict/mlp.js";
export { mlpEnsemble, MlpEnsemble } from "./predict/ensemble.js";
export { encodedPredictor, pathPredictor } from "./predict/archPredictor.js";
export type { ArchPredictor } from "./predict/archPredictor.js";
export { DeltaPredictor, pairEncoding } from "./predict/delta.js";
export { LstmSurrogate } from "./predict/lstmSurrogate.js";
export type { Predictor, Prediction, PredictorFactory } from "./predict/types.js";

// where trials run: the worker-thread pool, BullMQ (Redis) executor and `nasbook worker`, the Redis store, progress
export { poolExecutor, sharedPool, PoolOptionsError } from "./exec/pool.js";
export type { PoolExecutor, PoolOptions } from "./exec/pool.js";
export { bullmqExecutor, serveQueue, checkRedisUrl, RedisUrlError, DEFAULT_QUEUE } from "./exec/bullmq.js";
export type { BullmqExecutor, BullmqExecutorOptions, QueueWorker, QueueWorkerOptions } from "./exec/bullmq.js";
export { RedisUnreachableError, JobRefusedError } from "./exec/bullmq.js";
export { SharedKeyError } from "./exec/sharedKey.js";
export { redisStore } from "./exec/redisStore.js";
export type { RedisStoreOptions, RedisTrialStore } from "./exec/redisStore.js";
export { jobOf, runTrialJob, TrialTimeoutError } from "./exec/trialJob.js";
export type { TrialJob } from "./exec/trialJob.js";
export { searchProgress, progressLine } from "./exec/progress.js";
export type { ProgressCounts, ProgressOptions, SearchProgress } from "./exec/progress.js";
