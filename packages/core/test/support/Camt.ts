/** A camt.054 notification as a Swiss bank writes it, for tests: .04 or .08, one entry per credit. */
export interface TestCredit {
  readonly bankRef: string
  /** Decimal text as in the file, e.g. "79.00". */
  readonly amount: string
  readonly currency?: string
  readonly reference?: string | null
  readonly direction?: "CRDT" | "DBIT"
  readonly debtor?: string
}

export const camt054 = (
  version: "04" | "08",
  iban: string,
  credits: ReadonlyArray<TestCredit>,
  messageId = `MSG-${Math.random().toString(36).slice(2)}`,
) => {
  const status = version === "04" ? "<Sts>BOOK</Sts>" : "<Sts><Cd>BOOK</Cd></Sts>"
  const debtor = (name: string) =>
    version === "04" ? `<Dbtr><Nm>${name}</Nm></Dbtr>` : `<Dbtr><Pty><Nm>${name}</Nm></Pty></Dbtr>`
  const entries = credits
    .map(
      (c, i) => `
      <Ntry>
        <NtryRef>${i + 1}</NtryRef>
        <Amt Ccy="${c.currency ?? "CHF"}">${c.amount}</Amt>
        <CdtDbtInd>${c.direction ?? "CRDT"}</CdtDbtInd>
        ${status}
        <BookgDt><Dt>2026-12-03</Dt></BookgDt>
        <ValDt><Dt>2026-12-03</Dt></ValDt>
        <AcctSvcrRef>E-${c.bankRef}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>VCOM</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><AcctSvcrRef>${c.bankRef}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <Amt Ccy="${c.currency ?? "CHF"}">${c.amount}</Amt>
            <CdtDbtInd>${c.direction ?? "CRDT"}</CdtDbtInd>
            <RltdPties>${debtor(c.debtor ?? "Hans Muster")}</RltdPties>
            <RmtInf>${
              c.reference
                ? `<Strd><CdtrRefInf><Tp><CdOrPrtry><Prtry>QRR</Prtry></CdOrPrtry></Tp><Ref>${c.reference}</Ref></CdtrRefInf></Strd>`
                : "<Ustrd>Thanks</Ustrd>"
            }</RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>`,
    )
    .join("")
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.${version}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>2026-12-03T18:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N-${messageId}</Id>
      <CreDtTm>2026-12-03T18:00:00</CreDtTm>
      <Acct><Id><IBAN>${iban}</IBAN></Id></Acct>${entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>`
}
