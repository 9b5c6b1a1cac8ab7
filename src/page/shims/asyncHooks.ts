/**
 * `node:async_hooks` for a live page: no async context in a browser, so `AsyncResource.bind` is the function itself
 * and `AsyncLocalStorage` knows only the synchronous extent of `run` (as runningCell.ts's synchronous registry).
 */
export class AsyncResource {
  static bind<F extends (...args: never[]) => unknown>(f: F): F {
    return f;
  }
}

export class AsyncLocalStorage<T> {
  private store: T | undefined;
  getStore(): T | undefined {
    return this.store;
  }
  run<R>(store: T, f: (...args: unknown[]) => R, ...args: unknown[]): R {
    const previous = this.store;
    this.store = store;
    try {
      return f(...args);
    } finally {
      this.store = previous;
    }
  }
}

export default { AsyncResource, AsyncLocalStorage };
