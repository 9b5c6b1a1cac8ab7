/** Which tfjs backend to try, in what order: parsed from NASBOOK_BACKEND or an explicit option. */
import { NasbookError } from "../errors.js";

/** tfjs backend names we run on: 'tensorflow' is @tensorflow/tfjs-node. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** The automatic order: native TensorFlow, then wasm with our training kernels, then pure JS. */
export const automaticOrder: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];

const aliases: Record<string, BackendName> = {
  tensorflow: "tensorflow",
  "tfjs-node": "tensorflow",
  node: "tensorflow",
  wasm: "wasm",
  cpu: "cpu",
};

/** A NASBOOK_BACKEND value (or option) that names no backend. */
export class UnknownBackendError extends NasbookError {
  constructor(value: string) {
    super(
      `NASBOOK_BACKEND="${value}" is not a backend (use one of: ${Object.keys(aliases).join(", ")}, ` +
        `or unset it to pick automatically: tfjs-node, then wasm, then cpu)`,
    );
  }
}

/** A forced backend that cannot start; says how to make it available. */
export class BackendUnavailableError extends NasbookError {}

/** Backend forced by `value` (from NASBOOK_BACKEND or an option), or undefined for automatic choice. */
export function parseBackendChoice(value: string | undefined): BackendName | undefined {
  if (value === undefined || value.trim() === "" || value.trim().toLowerCase() === "auto") return undefined;
  const name = aliases[value.trim().toLowerCase()];
  if (name === undefined) throw new UnknownBackendError(value);
  return name;
}

/** How to install a backend that failed to load. */
export function installHint(name: BackendName): string {
  switch (name) {
    case "tensorflow":
      return (
        "install it with `npm install --save-exact @tensorflow/tfjs-node@4.22.0` (its install script downloads " +
        "libtensorflow from Google storage; behind a mirror set TFJS_NODE_CDN_STORAGE to the mirror's URL), or, " +
        "without Google storage, build it against PyPI's tensorflow-cpu wheel: scripts/tfjs-node-from-wheel.sh"
      );
    case "wasm":
      return "reinstall `@tensorflow/tfjs-backend-wasm@4.22.0` and check that wasm/training_kernels.wasm is present";
    case "cpu":
      return "reinstall `@tensorflow/tfjs@4.22.0`";
  }
}
