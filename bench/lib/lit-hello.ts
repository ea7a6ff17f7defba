/**
 * Baseline for bench/widget-size-and-load.ts: the smallest useful Lit element, bundled by the same
 * Vite setup as the widgets. It fetches the same public event and renders one button per ticket type,
 * so it pays for Lit, one cross-origin API call and one render — the floor under `<sratix-checkout>`.
 */
import { html, LitElement } from "lit"

class LitTicketList extends LitElement {
  static override properties = { names: { state: true } }
  declare names: ReadonlyArray<string>

  constructor() {
    super()
    this.names = []
  }

  override connectedCallback(): void {
    super.connectedCallback()
    const url = `${this.getAttribute("api-base")}/api/v1/public/events/${this.getAttribute("event-id")}`
    void fetch(url)
      .then((response) => response.json())
      .then(async (event: { ticketTypes: ReadonlyArray<{ name: string }> }) => {
        this.names = event.ticketTypes.map((t) => t.name)
        await this.updateComplete
        this.dispatchEvent(new CustomEvent("bench-ready", { bubbles: true, composed: true }))
      })
  }

  override render() {
    return html`<ul>${this.names.map((name) => html`<li><button>${name}</button></li>`)}</ul>`
  }
}
customElements.define("lit-ticket-list", LitTicketList)
