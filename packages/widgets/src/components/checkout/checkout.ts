import { SratixCheckout } from "./checkout.component.js"

if (!customElements.get("sratix-checkout")) customElements.define("sratix-checkout", SratixCheckout)

declare global {
  interface HTMLElementTagNameMap {
    "sratix-checkout": SratixCheckout
  }
}

export { SratixCheckout }
