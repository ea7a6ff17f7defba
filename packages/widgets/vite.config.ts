import { fileURLToPath } from "node:url"
import { defaultClientConditions, defineConfig } from "vite"

/**
 * One self-contained ES module (Lit, @lit/context, the SDK and the form validator inlined), so a host
 * page embeds the widgets with one script tag and no import map. An application build with a script
 * entry rather than library mode: library mode leaves whitespace in ES output for re-bundling, and
 * this file goes to browsers as is. See docs/adr/0008-widget-bundle.md.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  resolve: { conditions: ["source", ...defaultClientConditions] },
  build: {
    target: "es2022",
    outDir: fileURLToPath(new URL("dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    modulePreload: false,
    rollupOptions: {
      input: fileURLToPath(new URL("src/index.ts", import.meta.url)),
      preserveEntrySignatures: "exports-only",
      output: { format: "es", entryFileNames: "sratix.js", inlineDynamicImports: true },
    },
  },
  esbuild: { legalComments: "none" },
})
