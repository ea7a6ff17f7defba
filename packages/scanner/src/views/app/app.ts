import { SratixScannerApp } from "./app.component.js"

if (!customElements.get("sratix-scanner-app")) customElements.define("sratix-scanner-app", SratixScannerApp)

declare global {
  interface HTMLElementTagNameMap {
    "sratix-scanner-app": SratixScannerApp
  }
}

export { SratixScannerApp }
