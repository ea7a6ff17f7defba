import { SratixScannerScan } from "./scan.component.js"

if (!customElements.get("sratix-scanner-scan")) customElements.define("sratix-scanner-scan", SratixScannerScan)

declare global {
  interface HTMLElementTagNameMap {
    "sratix-scanner-scan": SratixScannerScan
  }
}

export { SratixScannerScan }
