#!/usr/bin/env -S node --conditions source --import tsx
import { fileURLToPath } from "node:url"
import { execute } from "@oclif/core"

// Runs the TypeScript sources; see run.js for why user plugins are off.
await execute({ development: true, loadOptions: { root: fileURLToPath(import.meta.url), userPlugins: false } })
