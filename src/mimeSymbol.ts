/**
 * The rich-display protocol's symbol: a value with a method `value[mimeSymbol]()` returning a MIME bundle (an
 * object keyed by MIME type) renders richly in a notebook. `Symbol.for`, so copies of the library agree on it.
 * Defined once here, below both the figures that implement it and the notebook layer that calls it.
 */
export const mimeSymbol: unique symbol = Symbol.for("nasbook.mime") as never;
