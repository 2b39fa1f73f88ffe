"""pain.008.001.08 SEPA direct debit files from a PaymentRun, built by sepaxml behind our checks; pain.008.001.02
for a studio whose bank still wants that version (validated against its own XSD, with the same checks).

sepaxml checks the generic ISO XSD only (it accepts bad IBAN/creditor checksums, '&' and past
dates) and would default to pain.008.001.02; so the PaymentRun has already applied our rules, we
pin the schema, and after building we validate the bytes against the shipped XSD and re-check
counts, control sums, amounts, identifiers and the character set against the run.

sepaxml picks a random message id, payment-information ids and a local creation time; we replace
them with values derived from our ids so the same run always yields the same file.
"""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from lxml import etree
from sepaxml import SepaDD

from gymloop_billing.domain.epc_text import EPC_ALLOWED, validate_sepa_identifier
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.mandates import SequenceType
from gymloop_billing.domain.money import format_cents
from gymloop_billing.domain.payment_run import CollectionItem, PaymentRun

PAIN_008_VERSION = "pain.008.001.08"
PAIN_008_VERSIONS = (PAIN_008_VERSION, "pain.008.001.02")  # the default first
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{PAIN_008_VERSION}"


def _namespaces(version: str) -> dict[str, str]:
    return {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}


_SEQUENCE_ORDER = (SequenceType.FIRST, SequenceType.RECURRING)


class SepaFileError(DomainError):
    """The generated file failed the XSD or our own checks; `issues` lists every finding."""

    def __init__(self, issues: list[str]) -> None:
        super().__init__(
            code="sepa_file_invalid",
            field=None,
            message="the SEPA file failed its checks: " + "; ".join(issues[:10]),
        )
        self.issues = issues


def build_sepa_file(
    run: PaymentRun, *, message_id: str, created_at: datetime, version: str = PAIN_008_VERSION
) -> bytes:
    """Build, validate and return the pain.008 XML bytes (of `version`) for the run's items."""
    if version not in PAIN_008_VERSIONS:
        raise DomainError(
            code="sepa_file_version",
            field="sepa_file_version",
            message=f"{version!r} is not a pain.008 version we write: use {' or '.join(PAIN_008_VERSIONS)}",
        )
    validate_sepa_identifier(message_id, field="message_id")
    if created_at.tzinfo is None:
        raise DomainError(code="timestamp_naive", field="created_at", message="created_at must be timezone-aware")
    if not run.items:
        raise DomainError(
            code="nothing_to_collect",
            field="items",
            message="the payment run has no collectable members: fix the reported problems first",
        )
    creditor = run.creditor
    config: dict[str, Any] = {
        "name": creditor.name,
        "IBAN": creditor.iban,
        "batch": True,
        "creditor_id": creditor.creditor_id,
        "currency": creditor.currency,
    }
    if creditor.bic:
        config["BIC"] = creditor.bic
    # clean=False: our texts are already EPC-safe; sepaxml's own cleaning would hide problems
    document = SepaDD(config, schema=version, clean=False)
    grouped = run.items_by_sequence_type()
    for sequence in _SEQUENCE_ORDER:  # FRST batch first, then RCUR: a stable file layout
        for item in grouped.get(sequence, ()):
            document.add_payment(_payment(item, run))
    raw = document.export(validate=False)
    del document  # its ElementTree (~20 objects per member) need not outlive the bytes during the checks
    xml = _make_deterministic(raw, message_id, created_at, _namespaces(version))
    del raw
    check_sepa_file(xml, run, version=version)
    return xml


def check_sepa_file(xml: bytes, run: PaymentRun, *, version: str = PAIN_008_VERSION) -> None:
    """Validate `xml` against the XSD of its pain.008 version and against the run; raise SepaFileError."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise SepaFileError([f"not well-formed XML: {exc}"]) from exc
    schema = pain008_schema(version)
    if not schema.validate(root):
        issues = [f"XSD line {e.line}: {e.message}" for e in list(schema.error_log)[:20]]
        raise SepaFileError(issues)
    issues = _compare_with_run(root, run, _namespaces(version))
    if issues:
        raise SepaFileError(issues)


def _payment(item: CollectionItem, run: PaymentRun) -> dict[str, Any]:
    return {
        "name": item.debtor_name,
        "IBAN": item.iban,
        "amount": item.amount_cents,
        "type": item.sequence_type.value,
        "collection_date": run.collection_date,
        "mandate_id": item.mandate_reference,
        "mandate_date": item.mandate_signed_on,
        "description": item.remittance_info,
        "endtoend_id": item.end_to_end_id,
    }


def _make_deterministic(raw: bytes, message_id: str, created_at: datetime, ns: dict[str, str]) -> bytes:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(raw, parser)
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", ns)
    assert header is not None
    _set_text(header, "p:MsgId", message_id, ns)
    _set_text(header, "p:CreDtTm", created_at.replace(microsecond=0).isoformat(), ns)
    for payment_info in root.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", ns):
        sequence = payment_info.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns)
        _set_text(payment_info, "p:PmtInfId", f"{sequence}-{message_id}"[:35], ns)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result


def _set_text(parent: etree._Element, path: str, text: str, namespaces: dict[str, str]) -> None:
    node = parent.find(path, namespaces)
    assert node is not None, path
    node.text = text


@functools.cache
def pain008_schema(version: str = PAIN_008_VERSION) -> etree.XMLSchema:
    """The XSD of a pain.008 version shipped with sepaxml, parsed once."""
    xsd = resources.files("sepaxml").joinpath("schemas", f"{version}.xsd")
    return etree.XMLSchema(etree.fromstring(xsd.read_bytes()))


def _cents(text: str | None) -> int:
    value = Decimal(text or "0") * 100
    if value != value.to_integral_value():
        raise ValueError(f"amount {text} has more than two decimals")
    return int(value)


def _compare_with_run(root: etree._Element, run: PaymentRun, ns: dict[str, str]) -> list[str]:
    issues: list[str] = []
    expected = {item.end_to_end_id: item for item in run.items}
    initiation = root.find("p:CstmrDrctDbtInitn", ns)
    assert initiation is not None  # the XSD requires it
    header_count = int(initiation.findtext("p:GrpHdr/p:NbOfTxs", namespaces=ns) or "0")
    header_sum = _cents(initiation.findtext("p:GrpHdr/p:CtrlSum", namespaces=ns))
    if header_count != len(run.items):
        issues.append(f"header NbOfTxs {header_count} != {len(run.items)} items")
    if header_sum != run.total_cents:
        issues.append(f"header CtrlSum {format_cents(header_sum)} != {format_cents(run.total_cents)}")
    seen: set[str] = set()
    for payment_info in initiation.iterfind("p:PmtInf", ns):
        issues.extend(_check_payment_info(payment_info, run, expected, seen, ns))
    missing = expected.keys() - seen
    if missing:
        issues.append(f"{len(missing)} items missing from the file, e.g. {sorted(missing)[0]}")
    for element in root.iter():
        # EPC_ALLOWED.issuperset is is_epc_text at C speed: a file has ~19 texts per member
        if element.text and element.text.strip() and not EPC_ALLOWED.issuperset(element.text):
            issues.append(f"{etree.QName(element).localname} {element.text!r} is outside the EPC set")
    return issues


def _check_payment_info(
    payment_info: etree._Element,
    run: PaymentRun,
    expected: dict[str, CollectionItem],
    seen: set[str],
    ns: dict[str, str],
) -> list[str]:
    issues: list[str] = []
    sequence = payment_info.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns)
    if payment_info.findtext("p:ReqdColltnDt", namespaces=ns) != run.collection_date.isoformat():
        issues.append(f"{sequence} batch has the wrong collection date")
    creditor_id = payment_info.findtext("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=ns)
    if creditor_id != run.creditor.creditor_id:
        issues.append(f"{sequence} batch creditor id {creditor_id} != {run.creditor.creditor_id}")
    count, total = 0, 0
    for transaction in payment_info.iterfind("p:DrctDbtTxInf", ns):
        count += 1
        amount = _cents(transaction.findtext("p:InstdAmt", namespaces=ns))
        total += amount
        e2e = transaction.findtext("p:PmtId/p:EndToEndId", namespaces=ns) or ""
        item = expected.get(e2e)
        if item is None or e2e in seen:
            issues.append(f"transaction {e2e} is unknown or duplicated")
            continue
        seen.add(e2e)
        if amount != item.amount_cents:
            issues.append(f"transaction {e2e} amount {amount} != {item.amount_cents}")
        if sequence != item.sequence_type.value:
            issues.append(f"transaction {e2e} is in the {sequence} batch, expected {item.sequence_type}")
        if transaction.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) != item.iban:
            issues.append(f"transaction {e2e} has the wrong IBAN")
    declared_count = int(payment_info.findtext("p:NbOfTxs", namespaces=ns) or "0")
    declared_sum = _cents(payment_info.findtext("p:CtrlSum", namespaces=ns))
    if declared_count != count:
        issues.append(f"{sequence} batch NbOfTxs {declared_count} != {count} transactions")
    if declared_sum != total:
        issues.append(f"{sequence} batch CtrlSum {format_cents(declared_sum)} != {format_cents(total)}")
    return issues
