/**
 * The Jupyter wire protocol (messaging spec 5.3): frames
 * `[identities..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...]`, signed with
 * an HMAC over the four JSON frames with the connection file's `signature_scheme` (`hmac-<digest>`, any digest
 * OpenSSL offers: sha256, sha512, sha384, sha224, sha1, md5, ...).
 */
import { createHmac, createSecretKey, getHashes, randomUUID, timingSafeEqual, type KeyObject } from "node:crypto";

export const protocolVersion = "5.3";
const delimiter = "<IDS|MSG>";

/** A message header. */
export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A decoded message. */
export interface JupyterMessage {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** Why a raw message was rejected. */
export class WireError extends Error {
  override name = "WireError";
}

/** Signs and checks messages with the connection file's key (an empty key disables signing, per the spec). */
export class Signer {
  private readonly digest: string;
  /** The key as a KeyObject, made once: a string key is re-imported by every createHmac. */
  private readonly keyObject: KeyObject | undefined;

  constructor(private readonly key: string, scheme = "hmac-sha256") {
    const match = /^hmac-([a-z0-9-]+)$/i.exec(scheme);
    const digest = match?.[1]?.toLowerCase();
    if (!digest || !getHashes().includes(digest)) {
      throw new WireError(`signature scheme "${scheme}" is not supported; use hmac-<digest> with a digest such as sha256, sha512 or md5`);
    }
    this.digest = digest;
    this.keyObject = key ? createSecretKey(Buffer.from(key, "utf8")) : undefined;
  }

  /** The hex HMAC of the frames; string frames are signed as their UTF-8 bytes (what ZeroMQ sends for them). */
  sign(parts: readonly (Buffer | string)[]): string {
    if (!this.keyObject) return "";
    const h = createHmac(this.digest, this.keyObject);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  verify(signature: string, parts: readonly Buffer[]): boolean {
    if (!this.key) return true;
    const expected = Buffer.from(this.sign(parts));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function parseObject(frame: Buffer | undefined, what: string): Record<string, unknown> {
  if (!frame) throw new WireError(`message has no ${what} frame`);
  let v: unknown;
  try {
    v = JSON.parse(frame.toString("utf8"));
  } catch (err) {
    throw new WireError(`${what} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new WireError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Decodes and verifies raw frames; throws WireError for anything malformed or wrongly signed. */
export function decode(frames: readonly Buffer[], signer: Signer): JupyterMessage {
  const at = frames.findIndex((f) => f.toString("utf8") === delimiter);
  if (at < 0) throw new WireError("message has no <IDS|MSG> delimiter");
  const signature = frames[at + 1]?.toString("utf8") ?? "";
  const parts = frames.slice(at + 2, at + 6);
  if (parts.length < 4) throw new WireError(`message has ${parts.length} of the 4 JSON frames`);
  if (!signer.verify(signature, parts)) throw new WireError("invalid HMAC signature");
  const header = parseObject(parts[0], "header");
  if (typeof header["msg_type"] !== "string" || typeof header["msg_id"] !== "string") {
    throw new WireError("header lacks msg_type or msg_id");
  }
  return {
    identities: frames.slice(0, at) as Buffer[],
    header: header as unknown as Header,
    parent_header: parseObject(parts[1], "parent_header") as Partial<Header>,
    metadata: parseObject(parts[2], "metadata"),
    content: parseObject(parts[3], "content"),
    buffers: frames.slice(at + 6) as Buffer[],
  };
}

/** Encodes a new message of `msgType` replying to (or caused by) `parent`: `encodeText` with every frame a Buffer. */
export function encode(...args: Parameters<typeof encodeText>): Buffer[] {
  return encodeText(...args).map((f) => (typeof f === "string" ? Buffer.from(f) : f));
}

/**
 * Message ids: a random prefix per process and a counter, as jupyter_client makes them (`<session>_<pid>_<n>`). The
 * spec asks only for uniqueness; a randomUUID per message costs a refill of Node's entropy cache every 128.
 */
const idPrefix = randomUUID();
let idCount = 0;

/** JSON of parent headers already serialised: the messages caused by one request (a chain's updates) share it. */
const parentJson = new WeakMap<object, string>();

/**
 * `encode` with the JSON frames left as strings, for sending: ZeroMQ copies a string into its message once, while
 * a Buffer over 128 bytes is sent zero-copy and then released through a callback on the main thread (per frame).
 */
export function encodeText(
  signer: Signer,
  session: string,
  msgType: string,
  content: Record<string, unknown>,
  parent: Partial<Header>,
  identities: readonly Buffer[] = [],
  metadata: Record<string, unknown> = {},
): (Buffer | string)[] {
  const header: Header = {
    msg_id: `${idPrefix}_${idCount++}`,
    session,
    username: "nasbook",
    date: new Date().toISOString(),
    msg_type: msgType,
    version: protocolVersion,
  };
  let parentText = parentJson.get(parent);
  if (parentText === undefined) parentJson.set(parent, (parentText = JSON.stringify(parent)));
  const parts = [JSON.stringify(header), parentText, JSON.stringify(metadata), JSON.stringify(content)];
  return [...identities, delimiter, signer.sign(parts), ...parts];
}
