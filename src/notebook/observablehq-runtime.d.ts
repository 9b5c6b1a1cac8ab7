// The part of @observablehq/runtime 6 (which ships no types) that the notebook layer uses.
declare module "@observablehq/runtime" {
  export interface Observer {
    pending?(): void;
    fulfilled?(value: unknown, name?: string | null): void;
    rejected?(error: unknown, name?: string | null): void;
  }
  export class Variable {
    define(name: string | null, inputs: readonly string[], definition: (...inputs: never[]) => unknown): Variable;
    delete(): Variable;
  }
  export class Module {
    variable(observer?: Observer | boolean): Variable;
    /** The current (or next) value of a variable by name. */
    value(name: string): Promise<unknown>;
  }
  export class Runtime {
    constructor(builtins?: Record<string, unknown>, global?: (name: string) => unknown);
    module(): Module;
    dispose(): void;
  }
  export class RuntimeError extends Error {}
}
