/**
 * Email renders per second for the order confirmation (German, two tickets), three ways in one run:
 * - mjml: MJML compiled to HTML for every message (what a naive sender does);
 * - cached: EmailTemplates as sends use it, MJML compiled once, placeholders filled per message;
 * - baseline: a plain string template (the `html` tag) of the same words and data, no MJML layout.
 * Sequential, one process. Prints one JSON line with the three rates and the ratios.
 *
 *   npm run bench:mjml        (SRATIX_BENCH_SECONDS, default 5 per phase)
 */
import {
  BUILTIN_TEMPLATES,
  compileTemplate,
  EmailTemplates,
  html,
  renderTemplate,
  sampleTemplateData,
} from "@sratix/core"
import { Effect, ManagedRuntime } from "effect"

const SECONDS = Number(process.env.SRATIX_BENCH_SECONDS || 5)

const timed = async (work: () => Promise<unknown> | unknown) => {
  const until = Date.now() + SECONDS * 1000
  const started = Date.now()
  let done = 0
  while (Date.now() < until) {
    await work()
    done++
  }
  return done / ((Date.now() - started) / 1000)
}

const source = BUILTIN_TEMPLATES.confirmation
const data = sampleTemplateData("confirmation", "de")
const f = data.fields
const tickets = data.lists?.tickets ?? []
const words = source.messages.de

const plain = () =>
  html`<!doctype html><html lang="de"><head><meta charset="utf-8"><title>${words.subject?.replace("{{eventName}}", f.eventName!)}</title></head>
<body><h1>${words.heading}</h1><p>Guten Tag ${f.recipientName}</p><p>${words.intro}</p>
<p><strong>${f.eventName}</strong><br>${f.eventDate}<br>${f.venue}</p>
<table>${tickets.map((t) => html`<tr><td>${t.ticketType}</td><td>${t.attendee}</td></tr>`)}</table>
<p>${words.order} ${f.orderReference} · ${words.total} ${f.total}</p><p>${words.bring}</p></body></html>`.value

const runtime = ManagedRuntime.make(EmailTemplates.Default)
const cachedOnce = () => runtime.runPromise(Effect.flatMap(EmailTemplates, (t) => t.render("confirmation", "de", data)))
await cachedOnce()

const mjml = await timed(() =>
  Effect.runPromise(Effect.flatMap(compileTemplate(source, "de"), (t) => renderTemplate(t, data))),
)
const cached = await timed(cachedOnce)
const baseline = await timed(plain)
const cachedBytes = (await cachedOnce()).html.length
await runtime.dispose()

console.log(
  JSON.stringify({
    seconds: SECONDS,
    mjmlPerSecond: Math.round(mjml),
    cachedPerSecond: Math.round(cached),
    baselinePerSecond: Math.round(baseline),
    cachedOverMjml: Number((cached / mjml).toFixed(1)),
    cachedOverBaseline: Number((cached / baseline).toFixed(3)),
    htmlBytes: { cached: cachedBytes, baseline: plain().length },
  }),
)
