/**
 * The slice of the browser's DOM a live page uses, typed here: the project's TypeScript program has no DOM library
 * (it would change the types of Node code), so the page reaches `document` and friends through these.
 */
export interface PageEventTarget {
  addEventListener(type: string, listener: (event: PageEvent) => void, options?: { once?: boolean }): void;
  removeEventListener(type: string, listener: (event: PageEvent) => void): void;
  dispatchEvent(event: PageEvent): boolean;
}

export interface PageEvent {
  readonly type: string;
  readonly target: unknown;
}

export interface PageElement extends PageEventTarget {
  id: string;
  className: string;
  innerHTML: string;
  textContent: string | null;
  readonly tagName: string;
  readonly children: ArrayLike<PageElement>;
  readonly parentElement: PageElement | null;
  readonly style: Record<string, string>;
  readonly dataset: Record<string, string | undefined>;
  hidden: boolean;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  appendChild<T extends PageElement>(child: T): T;
  insertBefore<T extends PageElement>(child: T, before: PageElement | null): T;
  append(...nodes: (PageElement | string)[]): void;
  replaceChildren(...nodes: (PageElement | string)[]): void;
  replaceWith(node: PageElement): void;
  remove(): void;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  closest(selector: string): PageElement | null;
}

export interface PageInput extends PageElement {
  type: string;
  value: string;
  checked: boolean;
  disabled: boolean;
  min: string;
  max: string;
  step: string;
  name: string;
}

export interface PageSelect extends PageElement {
  value: string;
  selectedIndex: number;
  disabled: boolean;
}

export interface PageDocument extends PageEventTarget {
  readonly body: PageElement;
  readonly head: PageElement;
  readonly readyState: string;
  title: string;
  createElement(tag: string): PageElement;
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}

interface PageGlobals {
  document: PageDocument;
  window: PageEventTarget & Record<string, unknown>;
  location: { href: string; search: string; hash: string };
  DecompressionStream: new (format: "gzip") => object;
  Blob: new (parts: unknown[], options?: { type?: string }) => object;
  Response: new (body: unknown) => { arrayBuffer(): Promise<ArrayBuffer>; body: unknown };
  URL: typeof URL & { createObjectURL(blob: object): string };
  requestAnimationFrame?: (f: () => void) => number;
  Event: new (type: string, init?: { bubbles?: boolean }) => PageEvent;
}

/** The page's globals (only valid in a browser). */
export const page = globalThis as unknown as PageGlobals;

/** `document.createElement(tag)` typed as `T`, with a class and text. */
export function element<T extends PageElement = PageElement>(tag: string, className?: string, text?: string): T {
  const e = page.document.createElement(tag) as T;
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
