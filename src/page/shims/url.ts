/** `node:url` for a live page: file URLs of the page's virtual files. */
export function fileURLToPath(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  if (u.protocol !== "file:") throw new TypeError(`fileURLToPath: not a file URL: ${u.href}`);
  return decodeURIComponent(u.pathname);
}

export function pathToFileURL(path: string): URL {
  return new URL(`file://${encodeURI(path)}`);
}

const PageURL = globalThis.URL;
export { PageURL as URL };
export default { fileURLToPath, pathToFileURL, URL: PageURL };
