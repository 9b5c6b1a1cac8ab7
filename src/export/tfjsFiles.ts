/**
 * A tfjs layers model as the files `tf.loadLayersModel` reads (model.json + weights.bin), written without
 * tfjs-node's file:// handler. nasbook's one custom layer (NasbookZero, the `none` op) is written as the built-in
 * Rescaling layer with scale 0, so plain tfjs in a browser or in Node loads the files without nasbook.
 */
import * as tf from "@tensorflow/tfjs";

export interface TfjsFiles {
  modelJson: string;
  weights: Uint8Array;
  /** What the files hold, for reloading in memory (the check). */
  artifacts: tf.io.ModelArtifacts;
}

/** Replaces every NasbookZero layer of a Keras topology by Rescaling(scale=0, offset=0). */
function portableTopology(topology: unknown): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.class_name === "NasbookZero") {
        const cfg = (o.config ?? {}) as Record<string, unknown>;
        return { ...o, class_name: "Rescaling", config: { name: cfg.name, trainable: cfg.trainable ?? true, dtype: cfg.dtype ?? "float32", scale: 0, offset: 0 } };
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(topology);
}

export async function toTfjsFiles(model: tf.LayersModel, weightsFile = "weights.bin"): Promise<TfjsFiles> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
  }));
  const a = saved!;
  const topology = portableTopology(a.modelTopology);
  const data = a.weightData instanceof ArrayBuffer ? new Uint8Array(a.weightData) : new Uint8Array(tf.io.concatenateArrayBuffers(a.weightData as ArrayBuffer[]));
  const modelJson = JSON.stringify({
    format: "layers-model", generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`, convertedBy: "nasbook",
    modelTopology: topology, weightsManifest: [{ paths: [weightsFile], weights: a.weightSpecs }],
  });
  return { modelJson, weights: data, artifacts: { modelTopology: topology as tf.io.ModelArtifacts["modelTopology"], weightSpecs: a.weightSpecs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer } };
}
