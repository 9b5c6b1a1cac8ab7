#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build step between a clone and a run.
import { register } from "tsx/esm/api";

register();
const { cli } = await import("../src/cli.ts");
const { NasbookError } = await import("../src/errors.ts");
try {
  process.exitCode = await cli(process.argv.slice(2));
} catch (err) {
  // Errors of ours carry their fix in the message; a stack trace would only hide it.
  console.error(err instanceof NasbookError ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
}
