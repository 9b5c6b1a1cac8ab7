/**
 * ENAS (Pham et al., "Efficient Neural Architecture Search via Parameter Sharing", ICML 2018): the LSTM controller
 * of the REINFORCE strategy (Zoph & Le 2017) samples sub-networks of a weight-sharing supernet. Each epoch
 * alternates (1) training the shared weights on sub-networks the controller samples, one per training batch, and
 * (2) training the controller by REINFORCE, the reward being a sampled sub-network's accuracy on a validation
 * minibatch with the shared weights, minus an exponential-moving-average baseline, plus an entropy bonus.
 * The derived architecture is the best, by shared-weight validation accuracy, of several the trained controller
 * samples (and its greedy choice), as ENAS does.
 */
import * as tf from "@tensorflow/tfjs";
import type { DataSplits } from "../data/types.js";
import { AbortError, requireCapabilities, throwIfAborted } from "../errors.js";
import type { Supernet } from "../model/supernet.js";
import type { WeightSharingResult, WeightSharingRunOptions, WeightSharingSearch } from "../model/supernetSearch.js";
import { correctCount } from "../model/supernetOps.js";
import { BatchStream, WeightTrainer, type WeightTrainerOptions } from "../model/supernetTraining.js";
import { Rng } from "../rng.js";
import type { SearchSpace, Sequential } from "../space/types.js";
import { LstmController, type ControllerOptions } from "./controller.js";
import { bestDistinct, sharedWeightEstimator, trainSinglePaths } from "./oneShot.js";
import type { StrategySnapshot } from "./types.js";

export interface EnasSearchOptions<A> {
  supernet: Supernet<A>;
  space: SearchSpace<A> & Sequential<A>;
  data: DataSplits;
  epochs: number;
  /** Shared-weight steps per epoch (default 50). */
  weightSteps?: number;
  /** Controller updates per epoch (default 20). */
  controllerSteps?: number;
  batchSize?: number;
  weights?: Omit<WeightTrainerOptions, "totalSteps">;
  /** Controller: LSTM options plus Adam rate (default 0.005), entropy weight (default 1e-3), baseline decay (0.9). */
  controller?: ControllerOptions & { learningRate?: number; entropyWeight?: number; baselineDecay?: number };
  /** Validation examples per reward (default 128). */
  rewardExamples?: number;
  /** Architectures the final controller samples to pick the derived one from (default 16), plus its greedy one. */
  finalSamples?: number;
  /** Validation examples for the final comparison (default 500). */
  evalExamples?: number;
  seed: number;
}

/** ENAS over `supernet`; see the module comment. */
export function enasSearch<A>(opts: EnasSearchOptions<A>): WeightSharingSearch<A> {
  const name = "enas";
  requireCapabilities(name, opts.space, ["decisions", "fromChoices", "toChoices"]);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new RangeError(`${name}: epochs must be a positive integer, got ${opts.epochs}`);
  const net = opts.supernet;
  const space = opts.space;
  const weightSteps = opts.weightSteps ?? 50;
  const controllerSteps = opts.controllerSteps ?? 20;
  const rng = new Rng(`${opts.seed}/enas`);
  const controller = new LstmController(space.decisions(), rng.fork("controller"), { logitClip: 2.5, ...opts.controller });
  // The controller's API was still settling while ENAS was written; sampling goes through this one line.
  const sampleChoices = (): number[] => controller.sample(rng, 1)[0]!;
  const cLr = opts.controller?.learningRate ?? 0.005;
  const entropyWeight = opts.controller?.entropyWeight ?? 1e-3;
  const decay = opts.controller?.baselineDecay ?? 0.9;
  const trainer = new WeightTrainer(net, { ...opts.weights, totalSteps: opts.epochs * weightSteps });
  const trainStream = new BatchStream(opts.data.train, opts.batchSize ?? 64, `${opts.seed}/enas-train`);
  const rewardStream = new BatchStream(opts.data.val, opts.rewardExamples ?? 128, `${opts.seed}/enas-reward`);
  const snapshots: StrategySnapshot[] = [];
  const epochs: { epoch: number; trainLoss: number; meanReward: number; baseline: number }[] = [];
  let baseline: number | undefined;
  let epoch = 0;
  let steps = 0;

  /** Accuracy (fraction) of a sub-network on one validation minibatch: the controller's reward. */
  const reward = (arch: A): number => {
    const b = rewardStream.next();
    try {
      const hits = tf.tidy(() => correctCount(net.logits(b.x, { kind: "path", arch }), b.y));
      const v = hits.dataSync()[0]! / b.size;
      hits.dispose();
      return v;
    } finally {
      tf.dispose([b.x, b.y]);
    }
  };

  const snapshot = (): StrategySnapshot => {
    const { choices, policy } = controller.greedy();
    return { strategy: name, step: epoch, policy, greedy: space.format(space.fromChoices(choices)), baseline, trainSteps: steps, epochs: epochs.slice() };
  };

  return {
    name,
    snapshot,
    async run(runOpts: WeightSharingRunOptions = {}): Promise<WeightSharingResult<A>> {
      const t0 = performance.now();
      let stoppedEarly: string | undefined;
      const record = () => {
        const s = snapshot();
        snapshots.push(s);
        runOpts.onSnapshot?.(s);
      };
      record();
      try {
        for (epoch = 1; epoch <= opts.epochs; epoch++) {
          let lossSum = 0;
          await trainSinglePaths(trainer, trainStream, () => space.fromChoices(sampleChoices()), weightSteps, (_s, loss) => {
            steps++;
            lossSum += loss;
          }, runOpts.signal);
          let rewardSum = 0;
          for (let k = 0; k < controllerSteps; k++) {
            const choices = sampleChoices();
            const r = reward(space.fromChoices(choices));
            rewardSum += r;
            baseline = baseline === undefined ? r : decay * baseline + (1 - decay) * r;
            controller.reinforce([choices], [r - baseline], { learningRate: cLr, entropyWeight, clipNorm: 5 });
          }
          epochs.push({ epoch, trainLoss: lossSum / weightSteps, meanReward: rewardSum / controllerSteps, baseline: baseline ?? 0 });
          record();
          throwIfAborted(runOpts.signal);
        }
      } catch (e) {
        if (!(e instanceof AbortError)) throw e;
        stoppedEarly = "aborted";
      }
      epoch = Math.min(epoch, opts.epochs);
      const estimator = sharedWeightEstimator(net, space, opts.data, opts.evalExamples ?? 500);
      const candidates = [space.fromChoices(controller.greedy().choices), ...Array.from({ length: opts.finalSamples ?? 16 }, () => space.fromChoices(sampleChoices()))];
      const evaluated = candidates.map((arch, trial) => ({ arch, fitness: estimator.estimate(arch), trial }));
      const proposals = bestDistinct(evaluated, space, 10);
      return { derived: proposals[0]!.arch, proposals, seconds: (performance.now() - t0) / 1000, steps, stoppedEarly, snapshots };
    },
    dispose() {
      trainer.dispose();
    },
  };
}
