import { BADGE_SIZES } from "../domain/Badge.js"
import type { BadgeContent, BadgeLayout } from "./Template.js"

/**
 * The built-in A6 badge: colour band by category, name, title, company, ticket type, track and the
 * QR code. What `sratix template render badge` shows without a template, and a starting point.
 */
export const SAMPLE_BADGE_TEMPLATE: BadgeLayout = {
  ...BADGE_SIZES.A6,
  html: `<div class="band"><span class="event">{{event}}</span><span class="date">{{date}}</span></div>
<main>
  <img class="photo" src="{{photo}}" alt="">
  <h1 class="name">{{name}}</h1>
  <p class="title">{{title}}</p>
  <p class="company">{{company}}</p>
</main>
<footer>
  <div class="labels"><p class="type">{{ticketType}}</p><p class="track">{{track}}</p></div>
  <img class="qr" src="{{qr}}" alt="">
</footer>`,
  css: `:host { display: flex; flex-direction: column; }
.band { background: {{color}}; color: #fff; padding: 6mm 7mm; display: flex; justify-content: space-between; font-size: 10pt; font-weight: bold; }
main { flex: 1; padding: 8mm 7mm 0; }
.photo { float: right; width: 22mm; height: 22mm; object-fit: cover; border-radius: 2mm; }
.name { font-size: 22pt; margin: 0 0 3mm; line-height: 1.1; }
.title, .company { font-size: 12pt; margin: 0 0 1.5mm; }
.company { font-weight: bold; }
footer { display: flex; align-items: flex-end; justify-content: space-between; padding: 0 7mm 7mm; }
.type { font-size: 12pt; font-weight: bold; color: {{color}}; margin: 0; }
.track { font-size: 10pt; margin: 1mm 0 0; }
.qr { width: 38mm; height: 38mm; }`,
  assets: {},
  colors: { default: "#1d4ed8" },
}

/** A code of the real format and length (it verifies against no key), for previews. */
const SAMPLE_CODE = `SX1.AAAA.${"A".repeat(112)}`

export const sampleBadgeContent = (): BadgeContent => ({
  name: "Pia Rutschmann",
  company: "Rutschmann Automation AG",
  title: "Head of Robotics",
  ticketType: "Exhibitor",
  ticketTypeId: "0193a4f2-7c1e-7d3a-9f00-000000000003",
  track: "Industrial automation",
  event: "Swiss Robotics Day 2026",
  date: "1 December 2026",
  venue: "Messe Zürich, Zürich",
  code: SAMPLE_CODE,
  photo: null,
  fields: { title: "Head of Robotics", track: "Industrial automation", dietary: "vegetarian" },
  orderedAt: Date.parse("2026-09-01T08:00:00Z"),
})
