/**
 * @sratix/widgets — `<sratix-checkout>` and `<sratix-form>`. Importing this module (or loading the
 * built `/widgets/sratix.js`) defines both elements.
 */

export { SratixCheckout } from "./components/checkout/checkout.js"
export { SratixForm } from "./components/form/form.js"
export { type SratixContextValue, sratixContext, type Theme } from "./context.js"
export type { CheckoutStep, SratixEventDetails, SratixEventName } from "./events.js"
