#!/usr/bin/env node
import { fileURLToPath } from "node:url"
import { execute } from "@oclif/core"

// No user plugins: oclif would read them from $SRATIX_DATA_DIR/package.json, which is the
// server's data folder here, and an ops tool must not load code from a data folder.
await execute({ loadOptions: { root: fileURLToPath(import.meta.url), userPlugins: false } })
