/** Readable axis titles for metric keys, shared by every figure so the same metric reads the same everywhere. */

/** Known metric keys (as trainers, benchmarks and strategies name them) and how an axis should name them. */
const LABELS: Readonly<Record<string, string>> = {
  accuracy: "accuracy (%)",
  val_acc: "validation accuracy (%)",
  test_acc: "test accuracy (%)",
  test_acc_12ep: "test accuracy after 12 epochs (%)",
  train_acc: "training accuracy (%)",
  loss: "loss",
  val_loss: "validation loss",
  test_loss: "test loss",
  train_loss: "training loss",
  fitness: "fitness",
  params: "parameters",
  params_M: "parameters (M)",
  flops: "FLOPs",
  flops_M: "FLOPs (M)",
  seconds: "seconds",
  latency: "latency",
  epoch: "epoch",
  epochs: "epochs",
  best_epoch: "best epoch",
  trial: "trial",
  generation: "generation",
  queries: "queries",
};

/** The axis title for a metric key ("val_acc" -> "validation accuracy (%)"); an unknown key is returned unchanged. */
export function metricLabel(key: string): string {
  return Object.hasOwn(LABELS, key) ? LABELS[key]! : key;
}
