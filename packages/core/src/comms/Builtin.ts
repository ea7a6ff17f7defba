import type { TemplateSource } from "./Template.js"

/** The messages the platform sends. `invoice_reminder` and `event_reminder` are the two reminders. */
export const TEMPLATE_NAMES = ["confirmation", "invoice", "badge_ready", "invoice_reminder", "event_reminder"] as const
export type TemplateName = (typeof TEMPLATE_NAMES)[number]

/** Words every message shares (greeting, sign-off, the attachments line). */
const common = {
  en: {
    hello: "Hello {{recipientName}},",
    attached: "Attached:",
    footer: "This message was sent by {{sender}} because of your registration or order.",
  },
  de: {
    hello: "Guten Tag {{recipientName}}",
    attached: "Im Anhang:",
    footer: "Diese Nachricht wurde von {{sender}} wegen Ihrer Anmeldung oder Bestellung gesendet.",
  },
  fr: {
    hello: "Bonjour {{recipientName}},",
    attached: "En pièce jointe :",
    footer: "Ce message vous est envoyé par {{sender}} suite à votre inscription ou commande.",
  },
  it: {
    hello: "Buongiorno {{recipientName}},",
    attached: "In allegato:",
    footer: "Questo messaggio è inviato da {{sender}} per la sua iscrizione o ordinazione.",
  },
} as const

type Words = Record<"en" | "de" | "fr" | "it", Record<string, string>>

const withCommon = (words: Words): TemplateSource["messages"] => ({
  en: { ...common.en, ...words.en },
  de: { ...common.de, ...words.de },
  fr: { ...common.fr, ...words.fr },
  it: { ...common.it, ...words.it },
})

const COLOURS = { ink: "#1d2433", muted: "#5b6475", accent: "#0b5cad", line: "#e3e6ec" }

/** One frame for every message: header with a title, the body, the attachments and a footer. */
const layout = (body: string) => `<mjml>
  <mj-head>
    <mj-title>{{t.subject}}</mj-title>
    <mj-preview>{{t.preview}}</mj-preview>
    <mj-attributes>
      <mj-all font-family="Helvetica, Arial, sans-serif" />
      <mj-text font-size="15px" line-height="22px" color="${COLOURS.ink}" />
      <mj-table font-size="14px" color="${COLOURS.ink}" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f5f7">
    <mj-section background-color="${COLOURS.accent}" padding="18px 24px">
      <mj-column>
        <mj-text color="#ffffff" font-size="20px" font-weight="bold">{{t.heading}}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="16px 24px">
      <mj-column>
        <mj-text>{{t.hello}}</mj-text>
${body}
        <mj-text>{{#attachments}}<p style="margin:0">{{t.attached}} {{filename}}</p>{{/attachments}}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="12px 24px">
      <mj-column>
        <mj-text font-size="12px" line-height="18px" color="${COLOURS.muted}">{{t.footer}}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`

const textLayout = (body: string) => `{{t.hello}}

${body}
{{#attachments}}{{t.attached}} {{filename}}
{{/attachments}}
--
{{t.footer}}
`

const eventFields = ["recipientName", "sender", "eventName", "eventDate", "venue"] as const

const confirmation: TemplateSource = {
  name: "confirmation",
  fields: [...eventFields, "orderReference", "total"],
  lists: { tickets: ["ticketType", "attendee"], walletLinks: ["attendee", "url"], attachments: ["filename"] },
  subject: "{{t.subject}}",
  mjml: layout(`        <mj-text>{{t.intro}}</mj-text>
        <mj-text><strong>{{eventName}}</strong><br />{{eventDate}}<br />{{venue}}</mj-text>
        <mj-table cellpadding="6px">
          <tr style="border-bottom:1px solid ${COLOURS.line};text-align:left"><th>{{t.ticket}}</th><th>{{t.attendee}}</th></tr>
          {{#tickets}}<tr style="border-bottom:1px solid ${COLOURS.line}"><td>{{ticketType}}</td><td>{{attendee}}</td></tr>{{/tickets}}
        </mj-table>
        <mj-text>{{t.order}} {{orderReference}} · {{t.total}} {{total}}</mj-text>
        <mj-text>{{#walletLinks}}<p style="margin:0"><a href="{{url}}">{{t.googleWallet}}</a> ({{attendee}})</p>{{/walletLinks}}</mj-text>
        <mj-text>{{t.bring}}</mj-text>`),
  text: textLayout(`{{t.intro}}

{{eventName}}
{{eventDate}}
{{venue}}

{{#tickets}}- {{ticketType}}: {{attendee}}
{{/tickets}}
{{t.order}} {{orderReference}} · {{t.total}} {{total}}

{{#walletLinks}}{{t.googleWallet}} ({{attendee}}): {{url}}
{{/walletLinks}}
{{t.bring}}
`),
  messages: withCommon({
    en: {
      subject: "Your tickets for {{eventName}}",
      preview: "Order {{orderReference}} is confirmed.",
      heading: "Your tickets",
      intro: "Thank you for your order. It is confirmed, and your tickets are below.",
      ticket: "Ticket",
      attendee: "Attendee",
      order: "Order",
      total: "Total",
      bring: "Bring your ticket on your phone or printed; the QR code is your admission.",
      googleWallet: "Save to Google Wallet",
    },
    de: {
      subject: "Ihre Tickets für {{eventName}}",
      preview: "Bestellung {{orderReference}} ist bestätigt.",
      heading: "Ihre Tickets",
      intro: "Vielen Dank für Ihre Bestellung. Sie ist bestätigt; Ihre Tickets finden Sie unten.",
      ticket: "Ticket",
      attendee: "Teilnehmer/in",
      order: "Bestellung",
      total: "Total",
      bring: "Bringen Sie Ihr Ticket auf dem Telefon oder ausgedruckt mit; der QR-Code ist Ihr Eintritt.",
      googleWallet: "In Google Wallet speichern",
    },
    fr: {
      subject: "Vos billets pour {{eventName}}",
      preview: "La commande {{orderReference}} est confirmée.",
      heading: "Vos billets",
      intro: "Merci pour votre commande. Elle est confirmée ; vos billets figurent ci-dessous.",
      ticket: "Billet",
      attendee: "Participant·e",
      order: "Commande",
      total: "Total",
      bring: "Présentez votre billet sur votre téléphone ou imprimé ; le code QR vaut entrée.",
      googleWallet: "Enregistrer dans Google Wallet",
    },
    it: {
      subject: "I suoi biglietti per {{eventName}}",
      preview: "L’ordinazione {{orderReference}} è confermata.",
      heading: "I suoi biglietti",
      intro: "Grazie per la sua ordinazione. È confermata; trova i biglietti qui sotto.",
      ticket: "Biglietto",
      attendee: "Partecipante",
      order: "Ordinazione",
      total: "Totale",
      bring: "Porti il biglietto sul telefono o stampato; il codice QR vale come entrata.",
      googleWallet: "Salva in Google Wallet",
    },
  }),
}

const invoiceFields = ["recipientName", "sender", "documentTitle", "invoiceNumber", "total", "reference"] as const

const invoice: TemplateSource = {
  name: "invoice",
  fields: [...invoiceFields],
  lists: { due: ["dueDate"], attachments: ["filename"] },
  subject: "{{t.subject}}",
  mjml: layout(`        <mj-text>{{t.intro}}</mj-text>
        <mj-table cellpadding="6px">
          <tr><td>{{documentTitle}}</td><td style="text-align:right"><strong>{{invoiceNumber}}</strong></td></tr>
          <tr><td>{{t.amount}}</td><td style="text-align:right"><strong>{{total}}</strong></td></tr>
          {{#due}}<tr><td>{{t.due}}</td><td style="text-align:right">{{dueDate}}</td></tr>{{/due}}
          <tr><td>{{t.reference}}</td><td style="text-align:right">{{reference}}</td></tr>
        </mj-table>
        <mj-text>{{t.howToPay}}</mj-text>`),
  text: textLayout(`{{t.intro}}

{{documentTitle}}: {{invoiceNumber}}
{{t.amount}}: {{total}}
{{#due}}{{t.due}}: {{dueDate}}
{{/due}}{{t.reference}}: {{reference}}

{{t.howToPay}}
`),
  messages: withCommon({
    en: {
      subject: "{{documentTitle}} {{invoiceNumber}} from {{sender}}",
      preview: "{{total}}",
      heading: "{{documentTitle}}",
      intro: "Please find your invoice attached as a PDF.",
      amount: "Amount",
      due: "Due date",
      reference: "Payment reference",
      howToPay: "Pay with the QR-bill on the last page of the PDF, or by bank transfer with the payment reference.",
    },
    de: {
      subject: "{{documentTitle}} {{invoiceNumber}} von {{sender}}",
      preview: "{{total}}",
      heading: "{{documentTitle}}",
      intro: "Im Anhang finden Sie Ihre Rechnung als PDF.",
      amount: "Betrag",
      due: "Fällig am",
      reference: "Zahlungsreferenz",
      howToPay:
        "Bezahlen Sie mit der QR-Rechnung auf der letzten Seite des PDF oder per Überweisung mit der Zahlungsreferenz.",
    },
    fr: {
      subject: "{{documentTitle}} {{invoiceNumber}} de {{sender}}",
      preview: "{{total}}",
      heading: "{{documentTitle}}",
      intro: "Vous trouverez votre facture en PDF en pièce jointe.",
      amount: "Montant",
      due: "Échéance",
      reference: "Référence de paiement",
      howToPay: "Payez avec la QR-facture à la dernière page du PDF, ou par virement avec la référence de paiement.",
    },
    it: {
      subject: "{{documentTitle}} {{invoiceNumber}} da {{sender}}",
      preview: "{{total}}",
      heading: "{{documentTitle}}",
      intro: "In allegato trova la sua fattura in PDF.",
      amount: "Importo",
      due: "Scadenza",
      reference: "Riferimento di pagamento",
      howToPay:
        "Paghi con la QR-fattura all’ultima pagina del PDF, o con un bonifico indicando il riferimento di pagamento.",
    },
  }),
}

const invoiceReminder: TemplateSource = {
  name: "invoice_reminder",
  fields: [...invoiceFields, "issueDate", "dueDate"],
  lists: { attachments: ["filename"] },
  subject: "{{t.subject}}",
  mjml: layout(`        <mj-text>{{t.intro}}</mj-text>
        <mj-table cellpadding="6px">
          <tr><td>{{documentTitle}}</td><td style="text-align:right"><strong>{{invoiceNumber}}</strong></td></tr>
          <tr><td>{{t.issued}}</td><td style="text-align:right">{{issueDate}}</td></tr>
          <tr><td>{{t.due}}</td><td style="text-align:right">{{dueDate}}</td></tr>
          <tr><td>{{t.amount}}</td><td style="text-align:right"><strong>{{total}}</strong></td></tr>
          <tr><td>{{t.reference}}</td><td style="text-align:right">{{reference}}</td></tr>
        </mj-table>
        <mj-text>{{t.already}}</mj-text>`),
  text: textLayout(`{{t.intro}}

{{documentTitle}}: {{invoiceNumber}}
{{t.issued}}: {{issueDate}}
{{t.due}}: {{dueDate}}
{{t.amount}}: {{total}}
{{t.reference}}: {{reference}}

{{t.already}}
`),
  messages: withCommon({
    en: {
      subject: "Reminder: {{documentTitle}} {{invoiceNumber}}",
      preview: "{{total}} due {{dueDate}}",
      heading: "Payment reminder",
      intro: "We have not yet received payment for the invoice below. The invoice is attached again.",
      issued: "Date",
      due: "Due date",
      amount: "Amount",
      reference: "Payment reference",
      already: "If you have paid in the meantime, thank you, and please disregard this message.",
    },
    de: {
      subject: "Zahlungserinnerung: {{documentTitle}} {{invoiceNumber}}",
      preview: "{{total}} fällig am {{dueDate}}",
      heading: "Zahlungserinnerung",
      intro: "Für die folgende Rechnung haben wir noch keine Zahlung erhalten. Die Rechnung liegt nochmals bei.",
      issued: "Datum",
      due: "Fällig am",
      amount: "Betrag",
      reference: "Zahlungsreferenz",
      already: "Falls Sie inzwischen bezahlt haben, danken wir Ihnen; diese Nachricht ist dann gegenstandslos.",
    },
    fr: {
      subject: "Rappel : {{documentTitle}} {{invoiceNumber}}",
      preview: "{{total}} à payer le {{dueDate}}",
      heading: "Rappel de paiement",
      intro: "Nous n’avons pas encore reçu le paiement de la facture ci-dessous. Elle est à nouveau jointe.",
      issued: "Date",
      due: "Échéance",
      amount: "Montant",
      reference: "Référence de paiement",
      already: "Si vous avez payé entre-temps, merci, et veuillez ignorer ce message.",
    },
    it: {
      subject: "Promemoria: {{documentTitle}} {{invoiceNumber}}",
      preview: "{{total}} con scadenza {{dueDate}}",
      heading: "Promemoria di pagamento",
      intro: "Non abbiamo ancora ricevuto il pagamento della fattura seguente. La fattura è di nuovo allegata.",
      issued: "Data",
      due: "Scadenza",
      amount: "Importo",
      reference: "Riferimento di pagamento",
      already: "Se nel frattempo ha pagato, la ringraziamo; non tenga conto di questo messaggio.",
    },
  }),
}

const badgeReady: TemplateSource = {
  name: "badge_ready",
  fields: [...eventFields, "attendee"],
  lists: { attachments: ["filename"] },
  subject: "{{t.subject}}",
  mjml: layout(`        <mj-text>{{t.intro}}</mj-text>
        <mj-text><strong>{{eventName}}</strong><br />{{eventDate}}<br />{{venue}}</mj-text>
        <mj-text>{{t.print}}</mj-text>`),
  text: textLayout(`{{t.intro}}

{{eventName}}
{{eventDate}}
{{venue}}

{{t.print}}
`),
  messages: withCommon({
    en: {
      subject: "Your badge for {{eventName}}",
      preview: "The badge of {{attendee}} is ready.",
      heading: "Your badge is ready",
      intro: "The badge of {{attendee}} is ready and attached as a PDF.",
      print: "Print it at 100 % on A4 or show it on your phone at the entrance.",
    },
    de: {
      subject: "Ihr Badge für {{eventName}}",
      preview: "Der Badge von {{attendee}} ist bereit.",
      heading: "Ihr Badge ist bereit",
      intro: "Der Badge von {{attendee}} ist bereit und liegt als PDF bei.",
      print: "Drucken Sie ihn in Originalgrösse auf A4 oder zeigen Sie ihn am Eingang auf dem Telefon.",
    },
    fr: {
      subject: "Votre badge pour {{eventName}}",
      preview: "Le badge de {{attendee}} est prêt.",
      heading: "Votre badge est prêt",
      intro: "Le badge de {{attendee}} est prêt et joint en PDF.",
      print: "Imprimez-le à 100 % sur A4 ou présentez-le sur votre téléphone à l’entrée.",
    },
    it: {
      subject: "Il suo badge per {{eventName}}",
      preview: "Il badge di {{attendee}} è pronto.",
      heading: "Il suo badge è pronto",
      intro: "Il badge di {{attendee}} è pronto e allegato in PDF.",
      print: "Lo stampi al 100 % su A4 o lo mostri sul telefono all’entrata.",
    },
  }),
}

const eventReminder: TemplateSource = {
  name: "event_reminder",
  fields: [...eventFields],
  lists: { attachments: ["filename"] },
  subject: "{{t.subject}}",
  mjml: layout(`        <mj-text>{{t.intro}}</mj-text>
        <mj-text><strong>{{eventName}}</strong><br />{{eventDate}}<br />{{venue}}</mj-text>
        <mj-text>{{t.bring}}</mj-text>`),
  text: textLayout(`{{t.intro}}

{{eventName}}
{{eventDate}}
{{venue}}

{{t.bring}}
`),
  messages: withCommon({
    en: {
      subject: "Soon: {{eventName}}",
      preview: "{{eventDate}}, {{venue}}",
      heading: "See you soon",
      intro: "A reminder that you are registered for:",
      bring: "Bring your ticket or badge; the QR code is your admission.",
    },
    de: {
      subject: "Bald: {{eventName}}",
      preview: "{{eventDate}}, {{venue}}",
      heading: "Bis bald",
      intro: "Zur Erinnerung: Sie sind angemeldet für",
      bring: "Bringen Sie Ihr Ticket oder Ihren Badge mit; der QR-Code ist Ihr Eintritt.",
    },
    fr: {
      subject: "Bientôt : {{eventName}}",
      preview: "{{eventDate}}, {{venue}}",
      heading: "À bientôt",
      intro: "Pour rappel, vous êtes inscrit·e à :",
      bring: "Apportez votre billet ou votre badge ; le code QR vaut entrée.",
    },
    it: {
      subject: "Presto: {{eventName}}",
      preview: "{{eventDate}}, {{venue}}",
      heading: "A presto",
      intro: "Le ricordiamo che è iscritto/a a:",
      bring: "Porti il biglietto o il badge; il codice QR vale come entrata.",
    },
  }),
}

export const BUILTIN_TEMPLATES: Readonly<Record<TemplateName, TemplateSource>> = {
  confirmation,
  invoice,
  badge_ready: badgeReady,
  invoice_reminder: invoiceReminder,
  event_reminder: eventReminder,
}
