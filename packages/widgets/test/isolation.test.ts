import * as fs from "node:fs"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hostPage, type Shop, type Stack, seedShop, startStack, ticketsReady } from "./support/Harness.js"

/** Debian's wordpress-theme-twentytwentyone (scripts/services.sh installs it): a real theme's global CSS. */
const WORDPRESS_THEME = "/usr/share/wordpress/wp-content/themes/twentytwentyone/style.css"

/** What a careless or hostile page does to everything it can reach. */
const AGGRESSIVE = `
  * { color: red !important; font: italic 30px/3 serif !important; letter-spacing: 3px !important;
      text-transform: uppercase !important; box-sizing: content-box !important; text-align: right !important; }
  button, input, select, textarea { background: yellow !important; border: 5px dashed green !important;
      padding: 20px !important; border-radius: 0 !important; }
  h1, h2, h3, h4, p, ul, li, table, td, th { margin: 40px !important; border: 3px solid blue !important; }
  body { background: pink; cursor: crosshair; visibility: visible; direction: ltr; }
`

/** Host content of the kind a WordPress page has around the widget. */
const CONTENT = `<p class="intro">Join us in Lausanne.</p><button type="button" class="wp-block-button__link">Programme</button>
<form><label>Newsletter <input type="email" name="newsletter"></label></form>
<table><tr><th>Time</th><td>09:00</td></tr></table><ul><li>Talks</li><li>Demos</li></ul>`

const PROPERTIES = [
  "color",
  "background-color",
  "font-family",
  "font-size",
  "font-style",
  "font-weight",
  "line-height",
  "letter-spacing",
  "text-transform",
  "text-align",
  "box-sizing",
  "border-top-width",
  "border-top-style",
  "border-top-color",
  "border-left-width",
  "padding-top",
  "padding-left",
  "margin-top",
  "margin-left",
  "list-style-type",
  "cursor",
  "border-top-left-radius",
]

/** Computed styles of every element in the widget's shadow trees (nested widgets included), in tree order. */
const widgetStyles = (page: Page) =>
  page.evaluate((properties) => {
    const out: Array<Record<string, string>> = []
    const walk = (root: ShadowRoot) => {
      for (const element of Array.from(root.querySelectorAll("*"))) {
        const style = getComputedStyle(element)
        out.push(
          Object.fromEntries([["tag", element.localName], ...properties.map((p) => [p, style.getPropertyValue(p)])]),
        )
        if (element.shadowRoot) walk(element.shadowRoot)
      }
    }
    walk(document.querySelector("sratix-checkout")!.shadowRoot!)
    return out
  }, PROPERTIES)

/** Computed styles of the host page's own elements (the widget's element excluded). */
const hostStyles = (page: Page) =>
  page.evaluate((properties) => {
    return Array.from(document.body.querySelectorAll("*"))
      .filter((element) => element.localName !== "sratix-checkout")
      .map((element) => {
        const style = getComputedStyle(element)
        return Object.fromEntries([
          ["tag", element.localName],
          ...properties.map((p) => [p, style.getPropertyValue(p)]),
        ])
      })
  }, PROPERTIES)

describe("style isolation on a WordPress theme with aggressive global CSS", () => {
  let stack: Stack
  let shop: Shop
  let themeCss: string
  beforeAll(async () => {
    themeCss = fs.readFileSync(WORDPRESS_THEME, "utf8")
    stack = await startStack()
    shop = await seedShop(stack.server)
  })
  afterAll(() => stack?.stop())

  const open = async (css: string, options: { script?: boolean } = {}) => {
    const page = await stack.browser.newPage()
    await page.goto(
      stack.host.page(
        `/iso-${Math.random().toString(36).slice(2)}`,
        hostPage(stack.server.url, {
          attributes: { "event-id": shop.eventId, theme: "light" },
          css,
          body: CONTENT,
          ...options,
        }),
      ),
    )
    return page
  }

  it("the page's CSS does not change the widget: same computed styles as on a bare page, in every view", async () => {
    const bare = await open("")
    const hostile = await open(`${themeCss}\n${AGGRESSIVE}`)
    for (const page of [bare, hostile]) await ticketsReady(page)
    const ticketsBare = await widgetStyles(bare)
    expect(ticketsBare.length).toBeGreaterThan(20)
    expect(await widgetStyles(hostile)).toEqual(ticketsBare)

    for (const page of [bare, hostile]) {
      await page.getByRole("button", { name: "One more Student" }).click()
      await page.getByRole("button", { name: "Continue" }).click()
      await page.getByLabel("Email").fill("x")
      await page.getByLabel("Email").blur()
    }
    expect(await widgetStyles(hostile)).toEqual(await widgetStyles(bare))
    await bare.close()
    await hostile.close()
  })

  it("the page's custom properties are the one way in: --sratix-* tokens restyle the widget", async () => {
    const page = await open(
      `${AGGRESSIVE} sratix-checkout { --sratix-color-accent: rgb(0, 128, 0); --sratix-font-size: 20px; }`,
    )
    await ticketsReady(page)
    const continueButton = page.getByRole("button", { name: "Continue" })
    await expect(continueButton.evaluate((b) => getComputedStyle(b).backgroundColor)).resolves.toBe("rgb(0, 128, 0)")
    await expect(continueButton.evaluate((b) => getComputedStyle(b).fontSize)).resolves.toBe("20px")
    // ::part is the other sanctioned door.
    await page.addStyleTag({ content: "sratix-checkout::part(ticket) { background-color: rgb(1, 2, 3); }" })
    await expect(
      page
        .locator("sratix-checkout [part~='ticket']")
        .first()
        .evaluate((e) => getComputedStyle(e).backgroundColor),
    ).resolves.toBe("rgb(1, 2, 3)")
    await page.close()
  })

  it("the widget does not change the page: host elements keep their styles, no global styles are added", async () => {
    const without = await open(themeCss, { script: false })
    const withWidget = await open(themeCss)
    await ticketsReady(withWidget)
    expect(await hostStyles(withWidget)).toEqual(await hostStyles(without))
    const globals = (page: Page) =>
      page.evaluate(() => ({
        sheets: document.styleSheets.length,
        adopted: document.adoptedStyleSheets.length,
        styles: document.querySelectorAll("style, link[rel=stylesheet]").length,
      }))
    expect(await globals(withWidget)).toEqual(await globals(without))
    await without.close()
    await withWidget.close()
  })
})
