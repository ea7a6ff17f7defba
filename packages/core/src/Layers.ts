import { Layer } from "effect"
import { Audit } from "./audit/Audit.js"
import { Badges } from "./badges/Badges.js"
import { PromoCodes } from "./catalog/PromoCodes.js"
import { TicketTypes } from "./catalog/TicketTypes.js"
import { CheckIns } from "./checkin/CheckIns.js"
import { CheckInDevices } from "./checkin/Devices.js"
import { CheckInPacks } from "./checkin/Packs.js"
import { Communications } from "./comms/Communications.js"
import { Emails } from "./comms/Emails.js"
import { EmailTemplates } from "./comms/EmailTemplates.js"
import { Connectors } from "./connectors/Connectors.js"
import { Webhooks } from "./connectors/Webhooks.js"
import { Events } from "./events/Events.js"
import { FormSchemas } from "./forms/FormSchemas.js"
import { Submissions } from "./forms/Submissions.js"
import { Fulfilment } from "./fulfilment/Fulfilment.js"
import { FulfilmentQueue } from "./fulfilment/FulfilmentQueue.js"
import { Identity } from "./identity/Identity.js"
import { Inventory } from "./inventory/Inventory.js"
import { BillingProfiles } from "./invoices/BillingProfiles.js"
import { Invoices } from "./invoices/Invoices.js"
import { JobRuns } from "./jobs/JobRuns.js"
import { ledgerAuditWithChecks } from "./ledger/Audit.js"
import { Ledger } from "./ledger/Ledger.js"
import { paymentsMatchLedger } from "./ledger/PaymentsCheck.js"
import { Orders } from "./orders/Orders.js"
import { Organizations } from "./organizations/Organizations.js"
import { BankImports } from "./payments/BankImports.js"
import { Payments } from "./payments/Payments.js"
import { SigningKeys } from "./tickets/SigningKeys.js"
import { Tickets } from "./tickets/Tickets.js"
import { Wallet } from "./wallet/Wallet.js"

/** Every core service; needs a SqlClient, DatabaseInfo, CoreConfig, PaymentsConfig, MailConfig, FileStorage and a JobQueue. */
export const CoreServices = Layer.mergeAll(
  Audit.Default,
  Organizations.Default,
  Events.Default,
  TicketTypes.Default,
  PromoCodes.Default,
  Inventory.Default,
  FormSchemas.Default,
  Submissions.Default,
  Orders.Default,
  Identity.Default,
  Ledger.Default,
  // The audit's checks beyond the triggers and the chains, in the order they run (docs/ledger.md).
  ledgerAuditWithChecks([paymentsMatchLedger]),
  Payments.Default,
  BillingProfiles.Default,
  Invoices.Default,
  JobRuns.Default,
  SigningKeys.Default,
  Tickets.Default,
  FulfilmentQueue.Default,
  Fulfilment.Default,
  BankImports.Default,
  EmailTemplates.Default,
  Communications.Default,
  Emails.Default,
  CheckIns.Default,
  CheckInDevices.Default,
  CheckInPacks.Default,
  Badges.Default,
  Wallet.Default,
  Connectors.Default,
  Webhooks.Default,
)
