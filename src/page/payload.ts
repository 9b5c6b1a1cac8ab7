/**
 * What a live page carries besides its HTML: the compile steps of its cells (made once in Node at export time), the
 * values its controls started at, the trial store's results, and files (data the cells read, wasm binaries). Plain
 * data, written by src/notebook/liveExport.ts and read by the page (main.ts). Large parts travel as gzip + base64
 * in their own `<script type="application/octet-stream">` elements ("blobs"), decoded when the page starts.
 */
import type { CompiledCell } from "../notebook/dataflow.js";

export const payloadFormat = 1;

/** A cell spec as data: run a compiled cell with its inputs (name -> owner cell), or fail with an error. */
export type LiveSpec =
  | { readonly kind: "run"; readonly cell: CompiledCell; readonly inputs: readonly (readonly [string, string])[] }
  | { readonly kind: "fail"; readonly id: string; readonly error: { readonly name: string; readonly message: string } };

/** One executed cell: what `nasbook run` did for it, as dataflow operations (see src/notebook/cellSpecs.ts). */
export interface LiveStep {
  readonly cellId: string;
  /** How messages name it (its first line of code, cellLabel.ts). */
  readonly label: string;
  /** Its execution count (as in the saved notebook). */
  readonly count: number;
  /** Whether its output is a composite display from the start (it reads other cells, or fails before running). */
  readonly live: boolean;
  /** Cells whose variables are redefined even if unchanged (the cell itself, and cells re-checked by it). */
  readonly rerun: readonly string[];
  readonly exposures: readonly (readonly [string, string | null])[];
  readonly specs: readonly LiveSpec[];
}

/** A file of the page's virtual file system. */
export interface LiveFile {
  /** Absolute path in the page (under /nasbook-data for data, /nasbook for nasbook's own files). */
  readonly path: string;
  /** The blob holding its bytes (gzip-compressed, unless `stored` says the bytes are the file as it is). */
  readonly blob: string;
  /** The file is itself gzip (a .gz data file): its bytes are stored as they are, and inflated for gunzipSync. */
  readonly gzipFile?: boolean;
  readonly bytes: number;
}

export interface LivePayload {
  readonly format: typeof payloadFormat;
  readonly nasbook: string;
  readonly steps: readonly LiveStep[];
  /** Values controls start at, by variable name (`nasbook run --set` values the notebook was run with). */
  readonly controls: Readonly<Record<string, string>>;
  /** The trial store's results for the trials the notebook ran: a blob of JSON `[key, encoded result][]`. */
  readonly trials: { readonly blob: string; readonly count: number };
  /** The tfjs backend the trials were computed on (trained trials replay only on the same backend). */
  readonly backend: string | undefined;
  readonly files: readonly LiveFile[];
  /** The tfjs wasm (SIMD) binary's blob. */
  readonly tfjsWasm: string;
}

/** The id of the `<script type="application/json">` element holding the payload. */
export const payloadElementId = "nasbook-live-payload";
/** The attribute naming a blob's `<script>` element. */
export const blobAttribute = "data-nasbook-blob";
