"""Benchmark: a SEPA payment run of N members (default 10,000) -> validated pain.008.001.08 file.

Runs the billing domain as the service does (payment run rules, sepaxml, XSD validation and our own
checks) with a realistic mix of problem members (bad IBAN, missing signature, '&' in the name).
Prints progress, then as the LAST line one JSON object:
  members, collected, problems, warnings, seconds, peak_mb, xsd_valid, file_bytes
Usage: uv run --frozen python bench/payment_run.py [--members N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import uuid
from datetime import UTC, date, datetime

from gymloop_billing.domain.collection_dates import earliest_collection_date
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.mandates import Mandate
from gymloop_billing.domain.payment_run import FeeLine, MemberCharge, build_payment_run
from gymloop_billing.domain.sepa_file import build_sepa_file, pain008_schema
from lxml import etree
from schwifty import IBAN


def member_charges(count: int) -> list[MemberCharge]:
    charges = []
    for index in range(count):
        member_id = uuid.UUID(int=index + 1)
        iban = str(IBAN.generate("DE", bank_code="37040044", account_code=str(1_000_000 + index)))
        name = f"Member {index}"
        signed_on: date | None = date(2025, 1, 5)
        if index % 500 == 1:
            iban = iban[:-1] + ("0" if iban[-1] != "0" else "1")  # breaks the checksum
        if index % 500 == 2:
            signed_on = None
        if index % 100 == 3:
            name = f"Jansen & Zonen {index}"
        if index % 50 == 4:
            name = f"Zoë Müller {index}"
        mandate = Mandate(f"GL-M-{index:07d}", member_id, iban, name, signed_on)
        if index % 3:
            mandate = mandate.record_collection()
        charges.append(
            MemberCharge(
                member_id=member_id,
                name=name,
                subscription_fees=(FeeLine("Unlimited monthly", 4500 + index % 1000),),
                mandate=mandate,
            )
        )
    return charges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    args = parser.parse_args()
    creditor = Creditor.create(
        name="Gymloop Bench Studio", iban="NL91ABNA0417164300", creditor_id="NL57ZZZ999999999999"
    )
    today = datetime.now(UTC).date()
    print(f"building {args.members} member charges", file=sys.stderr)
    charges = member_charges(args.members)
    started = time.perf_counter()
    run = build_payment_run(
        run_id=uuid.UUID(int=42),
        creditor=creditor,
        collection_date=earliest_collection_date(today),
        today=today,
        charges=charges,
        period_label="bench",
    )
    print(f"run: {len(run.items)} collectable, {len(run.errors)} problems", file=sys.stderr)
    xml = build_sepa_file(run, message_id="GL-BENCH-1", created_at=datetime.now(UTC))
    seconds = time.perf_counter() - started
    # independent re-check of the finished bytes against the pain.008.001.08 XSD shipped with sepaxml
    xsd_valid = bool(pain008_schema().validate(etree.fromstring(xml, etree.XMLParser(huge_tree=True))))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file: {len(xml)} bytes in {seconds:.2f}s, XSD valid: {xsd_valid}", file=sys.stderr)
    print(
        json.dumps(
            {
                "members": args.members,
                "collected": len(run.items),
                "problems": len(run.errors),
                "warnings": len(run.warnings),
                "seconds": round(seconds, 3),
                "peak_mb": round(peak_mb, 1),
                "xsd_valid": xsd_valid,
                "file_bytes": len(xml),
            }
        )
    )


if __name__ == "__main__":
    main()
