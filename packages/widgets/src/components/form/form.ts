import { SratixForm } from "./form.component.js"

if (!customElements.get("sratix-form")) customElements.define("sratix-form", SratixForm)

declare global {
  interface HTMLElementTagNameMap {
    "sratix-form": SratixForm
  }
}

export { SratixForm }
