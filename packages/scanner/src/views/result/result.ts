import { SratixScannerResult } from "./result.component.js"

if (!customElements.get("sratix-scanner-result")) customElements.define("sratix-scanner-result", SratixScannerResult)

declare global {
  interface HTMLElementTagNameMap {
    "sratix-scanner-result": SratixScannerResult
  }
}

export { SratixScannerResult }
