from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.mandates import Mandate
from gymloop_billing.domain.payment_run import FeeLine, MemberCharge, PaymentRun, build_payment_run
from gymloop_billing.domain.sepa_file import NAMESPACE, SepaFileError, build_sepa_file, check_sepa_file
from lxml import etree
from schwifty import IBAN

pytestmark = pytest.mark.unit

NS = {"p": NAMESPACE}
TODAY = date(2027, 3, 25)
COLLECTION_DATE = date(2027, 4, 1)
CREATED_AT = datetime(2027, 3, 25, 9, 30, tzinfo=UTC)
CREDITOR = Creditor.create(
    name="Sportschool Zoë & Co", iban="NL91ABNA0417164300", creditor_id="NL57ZZZ999999999999", bic="ABNANL2A"
)


def member_charge(index: int, *, collected_before: bool, name: str | None = None, fee: int = 4500) -> MemberCharge:
    member_id = UUID(int=index + 1)
    iban = str(IBAN.generate("DE", bank_code="37040044", account_code=str(1_000_000 + index)))
    mandate = Mandate(
        mandate_reference=f"GL-M-{index:06d}",
        member_id=member_id,
        iban=iban,
        account_holder=name or f"Member {index}",
        signed_on=date(2026, 1, 5),
    )
    if collected_before:
        mandate = mandate.record_collection()
    return MemberCharge(
        member_id=member_id,
        name=name or f"Member {index}",
        subscription_fees=(FeeLine("Unlimited 2027-04", fee),),
        mandate=mandate,
    )


def payment_run(charges: list[MemberCharge], run_id: UUID = UUID(int=99)) -> PaymentRun:
    return build_payment_run(
        run_id=run_id,
        creditor=CREDITOR,
        collection_date=COLLECTION_DATE,
        today=TODAY,
        charges=charges,
        period_label="2027-04",
    )


def small_run() -> PaymentRun:
    return payment_run(
        [
            member_charge(0, collected_before=False, name="Zoë Müller", fee=4500),
            member_charge(1, collected_before=True, name="Jansen & Zonen", fee=5999),
            member_charge(2, collected_before=True, fee=1),
        ]
    )


def test_file_is_pain_008_001_08_grouped_per_sequence_type() -> None:
    run = small_run()
    xml = build_sepa_file(run, message_id="GL-RUN-0001", created_at=CREATED_AT)
    root = etree.fromstring(xml)
    assert root.tag == f"{{{NAMESPACE}}}Document"
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=NS) == "GL-RUN-0001"
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "105.00"
    batches = root.findall("p:CstmrDrctDbtInitn/p:PmtInf", NS)
    summary = [
        (
            b.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS),
            b.findtext("p:NbOfTxs", namespaces=NS),
            b.findtext("p:CtrlSum", namespaces=NS),
            b.findtext("p:ReqdColltnDt", namespaces=NS),
        )
        for b in batches
    ]
    assert summary == [("FRST", "1", "45.00", "2027-04-01"), ("RCUR", "2", "60.00", "2027-04-01")]
    names = [n.text for n in root.iterfind(".//p:Dbtr/p:Nm", NS)]
    assert names == ["Zoe Muller", "Jansen + Zonen", "Member 2"]
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=NS) == "Sportschool Zoe + Co"
    assert root.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS) == "NL57ZZZ999999999999"
    assert b"&" not in xml


def test_same_run_gives_the_same_bytes() -> None:
    run = small_run()
    first = build_sepa_file(run, message_id="GL-RUN-0001", created_at=CREATED_AT)
    second = build_sepa_file(small_run(), message_id="GL-RUN-0001", created_at=CREATED_AT)
    assert first == second


def test_problem_members_never_reach_the_file() -> None:
    bad = member_charge(7, collected_before=False)
    assert bad.mandate is not None
    bad = MemberCharge(
        member_id=bad.member_id,
        name=bad.name,
        subscription_fees=bad.subscription_fees,
        mandate=Mandate(
            mandate_reference="GL-M-BAD",
            member_id=bad.member_id,
            iban="NL91ABNA0417164301",
            account_holder="Bad Iban",
            signed_on=date(2026, 1, 1),
        ),
    )
    run = payment_run([member_charge(0, collected_before=False), bad])
    xml = build_sepa_file(run, message_id="GL-RUN-0002", created_at=CREATED_AT)
    assert b"NL91ABNA0417164301" not in xml
    assert b"Bad Iban" not in xml
    assert etree.fromstring(xml).findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "1"


def test_two_thousand_members_validate() -> None:
    charges = [member_charge(i, collected_before=i % 3 != 0, fee=1000 + i) for i in range(2000)]
    run = payment_run(charges)
    assert len(run.items) == 2000
    xml = build_sepa_file(run, message_id="GL-RUN-2000", created_at=CREATED_AT)
    root = etree.fromstring(xml, etree.XMLParser(huge_tree=True))
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2000"
    expected_total = sum(1000 + i for i in range(2000))
    assert (
        root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == f"{expected_total // 100}.{expected_total % 100:02d}"
    )
    check_sepa_file(xml, run)  # XSD + our checks pass on the finished bytes


def test_empty_run_cannot_become_a_file() -> None:
    run = payment_run([])
    with pytest.raises(DomainError) as caught:
        build_sepa_file(run, message_id="GL-RUN-0003", created_at=CREATED_AT)
    assert caught.value.code == "nothing_to_collect"


def test_naive_timestamp_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        build_sepa_file(small_run(), message_id="GL-RUN-0004", created_at=datetime(2027, 3, 25, 9, 30))
    assert caught.value.code == "timestamp_naive"


def test_bad_message_id_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        build_sepa_file(small_run(), message_id="GL RUN", created_at=CREATED_AT)
    assert caught.value.field == "message_id"


def _tamper(xml: bytes, path: str, text: str) -> bytes:
    root = etree.fromstring(xml)
    node = root.find(path, NS)
    assert node is not None
    node.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (".//p:GrpHdr/p:CtrlSum", "105.01", "header CtrlSum"),
        (".//p:GrpHdr/p:NbOfTxs", "4", "header NbOfTxs"),
        (".//p:PmtInf/p:CtrlSum", "45.01", "batch CtrlSum"),
        (".//p:DrctDbtTxInf/p:InstdAmt", "46.00", "amount"),
        (".//p:Dbtr/p:Nm", "Jansen & Zonen", "outside the EPC set"),
        (".//p:PmtId/p:EndToEndId", "UNKNOWN-ID", "unknown or duplicated"),
        (".//p:PmtInf/p:ReqdColltnDt", "2027-04-02", "wrong collection date"),
        (".//p:DbtrAcct/p:Id/p:IBAN", "DE89370400440532013000", "wrong IBAN"),
    ],
)
def test_our_checks_catch_a_tampered_file(path: str, text: str, expected: str) -> None:
    run = small_run()
    xml = _tamper(build_sepa_file(run, message_id="GL-RUN-0005", created_at=CREATED_AT), path, text)
    with pytest.raises(SepaFileError) as caught:
        check_sepa_file(xml, run)
    assert any(expected in issue for issue in caught.value.issues), caught.value.issues


def test_xsd_violation_is_reported() -> None:
    run = small_run()
    xml = _tamper(build_sepa_file(run, message_id="GL-RUN-0006", created_at=CREATED_AT), ".//p:Dbtr/p:Nm", "x" * 141)
    with pytest.raises(SepaFileError) as caught:
        check_sepa_file(xml, run)
    assert caught.value.code == "sepa_file_invalid"
    assert any("XSD" in issue for issue in caught.value.issues)


def test_missing_transaction_is_reported() -> None:
    run = small_run()
    other = payment_run([member_charge(0, collected_before=False, name="Zoë Müller", fee=4500)])
    xml = build_sepa_file(other, message_id="GL-RUN-0007", created_at=CREATED_AT)
    with pytest.raises(SepaFileError) as caught:
        check_sepa_file(xml, run)
    assert any("missing" in issue for issue in caught.value.issues)


def test_malformed_xml_is_reported() -> None:
    with pytest.raises(SepaFileError):
        check_sepa_file(b"<Document", small_run())
