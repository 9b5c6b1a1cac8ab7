/**
 * What a live page cannot do, said clearly: files outside the embedded ones, worker threads, Redis, child
 * processes, native tfjs. Every Node-only path of the library ends here in a page, with the name of what was asked
 * and what to do instead; never a silent wrong result.
 */
import { NasbookError } from "../errors.js";

/** Something the notebook asked for needs Node and cannot run in a browser page. */
export class PageUnsupportedError extends NasbookError {}

/** The fix every such message ends with. */
const elsewhere = "run this notebook with `nasbook run` or in Jupyter for that";

/** A PageUnsupportedError for `what` (e.g. "writing files (writeFileSync /tmp/x)"), with the reason. */
export function unsupported(what: string, why = "it needs Node"): PageUnsupportedError {
  return new PageUnsupportedError(`${what} is not available in a live page: ${why}; ${elsewhere}`);
}
