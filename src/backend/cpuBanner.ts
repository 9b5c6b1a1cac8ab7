/**
 * tfjs-backend-cpu 4.22 prints "Hi, looks like you are running TensorFlow.js in Node.js ... install our node
 * backend" (backend_cpu.js: on a backend instance's first `write`, when IS_NODE) through tfjs's `warn`, which
 * PROD mode mutes. nasbook already says which backend runs and how to get tfjs-node, and the banner would land in
 * every saved notebook that touches the cpu backend; so that first write is done here, with PROD on for it only.
 */
import * as tf from "@tensorflow/tfjs";

/** Makes the cpu backend's one-time banner happen now, silently. Other tfjs warnings stay on. */
export function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu"); // creates the instance if it does not exist yet
  if (!cpu || !tf.env().getBool("IS_NODE")) return;
  const prod = tf.env().getBool("PROD");
  tf.env().set("PROD", true);
  try {
    cpu.disposeData(cpu.write(new Float32Array(1), [1], "float32"));
  } finally {
    tf.env().set("PROD", prod);
  }
}
