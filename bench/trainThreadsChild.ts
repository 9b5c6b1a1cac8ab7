/**
 * One process of bench:train-threads: initialises wasm with NASBOOK_WASM_THREADS threads, trains each model given
 * in argv[2] (comma-separated) for argv[3] seconds and prints one JSON line of measurements.
 */
import { initBackend } from "../src/backend/index.js";
import { measure, type ModelName } from "./trainModels.js";

const info = await initBackend({ backend: "wasm", quiet: true });
const [models = "convnet", seconds = "3", batch = "128"] = process.argv.slice(2);
const results = (models.split(",") as ModelName[]).map((model) => ({ model, ...measure(model, Number(seconds), 3, 3, Infinity, Number(batch)) }));
process.stdout.write(JSON.stringify({ threads: info.threads, reason: info.reason, results }) + "\n");
process.exit(0);
