import { SratixScannerEnrol } from "./enrol.component.js"

if (!customElements.get("sratix-scanner-enrol")) customElements.define("sratix-scanner-enrol", SratixScannerEnrol)

declare global {
  interface HTMLElementTagNameMap {
    "sratix-scanner-enrol": SratixScannerEnrol
  }
}

export { SratixScannerEnrol }
