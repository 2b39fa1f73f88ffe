"""Bank return files as a bank would send them, made from a payment run's own pain.008 (for billing's tests and
bench): a camt.054 debit notification (booked and returned collections) and a pain.002 status report (rejected
collections)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.etree import ElementTree  # our own file, parsed to read its ids back
from xml.sax.saxutils import escape

CAMT_054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
PAIN_002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


@dataclass(frozen=True)
class Collection:
    end_to_end_id: str
    mandate_reference: str
    amount_cents: int


def collections_of(pain008: bytes) -> dict[str, Collection]:
    """The run file's transactions by end-to-end id."""
    root = ElementTree.fromstring(pain008)  # noqa: S314 (our own run's file)
    found: dict[str, Collection] = {}
    for transaction in root.iterfind(".//{*}DrctDbtTxInf"):
        e2e = transaction.findtext("{*}PmtId/{*}EndToEndId") or ""
        found[e2e] = Collection(
            end_to_end_id=e2e,
            mandate_reference=transaction.findtext("{*}DrctDbtTx/{*}MndtRltdInf/{*}MndtId") or "",
            amount_cents=int(Decimal(transaction.findtext("{*}InstdAmt") or "0") * 100),
        )
    return found


def _amount(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _camt_details(collection: Collection, reason_code: str | None) -> str:
    returned = f"<RtrInf><Rsn><Cd>{reason_code}</Cd></Rsn></RtrInf>" if reason_code else ""
    return (
        "<TxDtls><Refs>"
        f"<EndToEndId>{escape(collection.end_to_end_id)}</EndToEndId>"
        f"<MndtId>{escape(collection.mandate_reference)}</MndtId></Refs>"
        f'<Amt Ccy="EUR">{_amount(collection.amount_cents)}</Amt>'
        f"<CdtDbtInd>{'DBIT' if reason_code else 'CRDT'}</CdtDbtInd>{returned}</TxDtls>"
    )


def camt054(
    booked: Sequence[Collection], returned: Mapping[str, str], collections: Mapping[str, Collection], message_id: str
) -> bytes:
    """A debit notification: `booked` collected, `returned` end-to-end id -> reason code (from `collections`,
    or a made-up one for an id the run does not have)."""
    details = [_camt_details(c, None) for c in booked]
    details += [_camt_details(collections[e2e], code) for e2e, code in returned.items()]
    entries = "".join(
        f'<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<BkTxCd/><NtryDtls>{d}</NtryDtls></Ntry>"
        for d in details
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{CAMT_054}"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-12-04T10:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>{message_id}-1</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>{entries}</Ntfctn>"
        "</BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def pain002(rejected: Mapping[str, str], collections: Mapping[str, Collection], message_id: str) -> bytes:
    """A status report rejecting `rejected` (end-to-end id -> reason code) and accepting nothing else."""
    transactions = "".join(
        "<TxInfAndSts>"
        f"<OrgnlEndToEndId>{escape(e2e)}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>"
        f'<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">{_amount(collections[e2e].amount_cents)}</InstdAmt></Amt>'
        f"<MndtRltdInf><MndtId>{escape(collections[e2e].mandate_reference)}</MndtId></MndtRltdInf></OrgnlTxRef>"
        "</TxInfAndSts>"
        for e2e, code in rejected.items()
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{PAIN_002}"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-12-04T10:00:00</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>run</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>"
        f"</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>RCUR</OrgnlPmtInfId>{transactions}"
        "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"
    ).encode()
