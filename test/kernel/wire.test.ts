// The wire format as sent: string frames (encodeText) are the same bytes, signature included, as Buffer frames.
import { describe, expect, it } from "vitest";
import { decode, encode, encodeText, Signer } from "../../kernel/wire.js";

const toBuffers = (frames: (Buffer | string)[]): Buffer[] => frames.map((f) => (typeof f === "string" ? Buffer.from(f) : f));

describe("wire", () => {
  it("string frames decode and verify like Buffer frames, non-ASCII content included", () => {
    for (const scheme of ["hmac-sha256", "hmac-sha512"]) {
      const signer = new Signer("k3y-ä", scheme);
      const parent = { msg_id: "p1", session: "s", username: "u", date: "", msg_type: "execute_request", version: "5.3" };
      const content = { name: "stdout", text: "ünïcødé ✓ 日本" };
      const text = decode(toBuffers(encodeText(signer, "s", "stream", content, parent, [Buffer.from("id")])), signer);
      const bytes = decode(encode(signer, "s", "stream", content, parent, [Buffer.from("id")]), signer);
      for (const m of [text, bytes]) {
        expect(m.content).toEqual(content);
        expect(m.parent_header).toEqual(parent);
        expect(m.identities.map(String)).toEqual(["id"]);
      }
    }
  });

  it("a forged string frame fails verification", () => {
    const signer = new Signer("key");
    const frames = toBuffers(encodeText(signer, "s", "status", { execution_state: "idle" }, {}));
    frames[frames.length - 1] = Buffer.from(JSON.stringify({ execution_state: "busy" }));
    expect(() => decode(frames, signer)).toThrow(/invalid HMAC signature/);
  });

  it("message ids are unique and the parent's JSON is reused only for the same parent", () => {
    const signer = new Signer("");
    const parent = { msg_id: "a" };
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) ids.add(decode(toBuffers(encodeText(signer, "s", "status", {}, parent)), signer).header.msg_id);
    expect(ids.size).toBe(1000);
    const other = decode(toBuffers(encodeText(signer, "s", "status", {}, { msg_id: "b" })), signer);
    expect(other.parent_header.msg_id).toBe("b");
  });
});
