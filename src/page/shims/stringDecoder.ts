/** `string_decoder` for a live page (tfjs-data mentions it): UTF-8 through TextDecoder. */
export class StringDecoder {
  private readonly decoder = new TextDecoder();
  write(bytes: Uint8Array): string {
    return this.decoder.decode(bytes, { stream: true });
  }
  end(bytes?: Uint8Array): string {
    return bytes ? this.decoder.decode(bytes) : this.decoder.decode();
  }
}

export default { StringDecoder };
