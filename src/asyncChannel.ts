/**
 * A push-to-pull bridge: a producer that calls back (the search loop's events, a weight-sharing search's
 * snapshots) pushes values, one consumer pulls them with `for await`. Values are queued until pulled; `end()`
 * finishes the stream after what is queued, `end(error)` makes the consumer's next pull throw it. The one
 * implementation behind `search()`'s event stream and `liveSnapshots`.
 */
export interface AsyncChannel<T> {
  /** Queues a value (ignored once the consumer has closed the stream or the channel has ended). */
  push(value: T): void;
  /** No more values: the consumer gets what is queued, then the end (or `error`, thrown from its next pull). */
  end(error?: { error: unknown }): void;
  /** True once the consumer left (break / return()). */
  readonly closed: boolean;
  /** The consumer's side: iterable once. */
  readonly iterator: AsyncIterableIterator<T>;
}

/** A channel; `onClose` runs when the consumer leaves early (a `break` out of `for await`). */
export function asyncChannel<T>(onClose?: () => void): AsyncChannel<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let ended: { error?: { error: unknown } } | undefined;
  let closed = false;
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        if (queue.length > 0) return { value: queue.shift()!, done: false };
        if (closed) return { value: undefined, done: true };
        if (ended) {
          const failure = ended.error;
          ended = {}; // thrown once
          if (failure) throw failure.error;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    async return(): Promise<IteratorResult<T>> {
      if (!closed) {
        closed = true;
        queue.length = 0;
        onClose?.();
        wake?.();
      }
      return { value: undefined, done: true };
    },
  };
  return {
    push(value) {
      if (closed || ended) return;
      queue.push(value);
      wake?.();
    },
    end(error) {
      if (ended) return;
      ended = error ? { error } : {};
      wake?.();
    },
    get closed() {
      return closed;
    },
    iterator,
  };
}
