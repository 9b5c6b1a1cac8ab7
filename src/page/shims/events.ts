/** `node:events` for a live page: listener limits do not exist on a browser's EventTarget. */
export function setMaxListeners(): void {}
export function getMaxListeners(): number {
  return Infinity;
}

export class EventEmitter {
  private readonly listeners = new Map<string | symbol, Array<(...args: unknown[]) => void>>();
  on(name: string | symbol, f: (...args: unknown[]) => void): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), f]);
    return this;
  }
  off(name: string | symbol, f: (...args: unknown[]) => void): this {
    this.listeners.set(name, (this.listeners.get(name) ?? []).filter((g) => g !== f));
    return this;
  }
  once(name: string | symbol, f: (...args: unknown[]) => void): this {
    const g = (...args: unknown[]): void => {
      this.off(name, g);
      f(...args);
    };
    return this.on(name, g);
  }
  emit(name: string | symbol, ...args: unknown[]): boolean {
    const ls = this.listeners.get(name) ?? [];
    for (const l of ls) l(...args);
    return ls.length > 0;
  }
  removeListener(name: string | symbol, f: (...args: unknown[]) => void): this {
    return this.off(name, f);
  }
  setMaxListeners(): this {
    return this;
  }
}

export default { setMaxListeners, getMaxListeners, EventEmitter };
