#!/usr/bin/env node
// `npx jido`: the platform's command-line tool. The CLI is TypeScript (src/cli/); this
// launcher registers tsx's loader (a devDependency, there after `npm ci`) in this process
// and imports it, so nothing is compiled or built first, and signals and exit codes are
// the CLI's own (no child process in between).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
