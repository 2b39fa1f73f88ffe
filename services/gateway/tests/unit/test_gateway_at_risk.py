"""The dashboard's at-risk rules: one list from attendance, payment and credit signals, each member with reasons."""

from datetime import date

import pytest
from gymloop_gateway.views.at_risk import RiskRules, at_risk_members, risk_reasons

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 2)
RULES = RiskRules()  # absence 14 days, trend 30% over 21 days, 2 credits or fewer, lapsing within 7 days


def attendance(**overrides):
    summary = {
        "last_visit": "2026-11-30",
        "visits_in_period": 6,
        "visits_in_previous_period": 6,
        "period_days": 21,
        "credits_left": None,
        "credits_valid_until": None,
    }
    return {**summary, **overrides}


def member(member_id="m1", first="Anna", last="de Vries", start="2026-01-01"):
    return {"id": member_id, "first_name": first, "last_name": last, "start_date": start}


def codes(reasons):
    return [(r.signal, r.code) for r in reasons]


def test_a_regular_member_who_pays_has_no_reason():
    assert risk_reasons(member(), attendance(), {"payment_state": "ok"}, TODAY, RULES) == []


@pytest.mark.parametrize(("last_visit", "absent"), [("2026-11-18", True), ("2026-11-19", False)])
def test_absence_counts_from_the_last_visit_at_the_studios_absence_days(last_visit, absent):
    reasons = risk_reasons(member(), attendance(last_visit=last_visit), None, TODAY, RULES)
    assert codes(reasons) == ([("attendance", "absent")] if absent else [])
    if absent:
        assert reasons[0].detail == "no visit for 14 days (last visit 2026-11-18)"


def test_a_member_who_never_came_is_absent_once_a_member_for_the_absence_days():
    never = attendance(last_visit=None, visits_in_period=0, visits_in_previous_period=0)
    assert codes(risk_reasons(member(start="2026-11-18"), never, None, TODAY, RULES)) == [("attendance", "absent")]
    assert risk_reasons(member(start="2026-11-25"), never, None, TODAY, RULES) == []


@pytest.mark.parametrize(("now", "before", "trend"), [(4, 6, True), (5, 6, False), (0, 1, True), (3, 0, False)])
def test_a_downward_trend_is_the_studios_percentage_fewer_visits_than_the_period_before(now, before, trend):
    summary = attendance(visits_in_period=now, visits_in_previous_period=before)
    reasons = risk_reasons(member(), summary, None, TODAY, RULES)
    assert codes(reasons) == ([("attendance", "downward_trend")] if trend else [])


def test_the_trend_detail_says_the_counts_and_the_drop():
    reasons = risk_reasons(member(), attendance(visits_in_period=2, visits_in_previous_period=8), None, TODAY, RULES)
    assert reasons[0].detail == "2 visits in the last 21 days against 8 in the 21 days before (75% fewer)"


def test_an_overdue_payment_is_a_reason_with_its_failed_attempts():
    reasons = risk_reasons(member(), None, {"payment_state": "overdue", "failed_attempts": 2}, TODAY, RULES)
    assert [(r.signal, r.code, r.detail) for r in reasons] == [
        ("payment", "payment_overdue", "payment overdue after 2 failed attempts")
    ]


@pytest.mark.parametrize(
    ("left", "valid_until", "expected"),
    [
        (2, None, ("credits_low", "2 credits left")),
        (1, None, ("credits_low", "1 credit left")),
        (0, None, ("credits_low", "0 credits left")),
        (5, "2026-12-09", ("credits_lapsing", "5 credits lapse after 2026-12-09")),
        (5, "2026-12-10", None),
        (3, None, None),
        (None, "2026-12-03", None),  # no valid pack: unlimited members cannot run out
    ],
)
def test_credits_run_out_when_few_are_left_or_they_lapse_soon(left, valid_until, expected):
    summary = attendance(credits_left=left, credits_valid_until=valid_until)
    found = [(r.code, r.detail) for r in risk_reasons(member(), summary, None, TODAY, RULES)]
    assert found == ([expected] if expected else [])


def test_one_list_combines_the_signals_most_reasons_first_then_by_name():
    people = [member("a", "Zoe", "Appel"), member("b", "Bram", "Bos"), member("c", "Cas", "Claes"), member("d", "Dirk")]
    by_attendance = {
        "a": attendance(last_visit="2026-10-01", credits_left=1),
        "b": attendance(credits_left=0),
        "c": attendance(),
        "d": attendance(),
    }
    by_billing = {"a": {"payment_state": "overdue"}, "b": {"payment_state": "ok"}, "c": {"payment_state": "overdue"}}
    listed = at_risk_members(people, by_attendance, by_billing, TODAY, RULES)
    assert [(m["member_id"], m["name"], [r["code"] for r in m["reasons"]]) for m in listed] == [
        ("a", "Zoe Appel", ["absent", "credits_low", "payment_overdue"]),
        ("b", "Bram Bos", ["credits_low"]),
        ("c", "Cas Claes", ["payment_overdue"]),
    ]
    assert listed[0]["reasons"][0] == {
        "signal": "attendance",
        "code": "absent",
        "detail": "no visit for 62 days (last visit 2026-10-01)",
    }


def test_a_signal_whose_service_did_not_answer_gives_no_reason_and_the_others_still_do():
    people = [member("a")]
    only_billing = at_risk_members(people, None, {"a": {"payment_state": "overdue"}}, TODAY, RULES)
    assert [r["code"] for r in only_billing[0]["reasons"]] == ["payment_overdue"]
    assert at_risk_members(people, {"a": attendance(credits_left=1)}, None, TODAY, RULES)[0]["reasons"][0]["code"] == (
        "credits_low"
    )


def test_the_rules_follow_the_studios_notification_settings_and_default_what_is_missing():
    settings = {
        "notifications": {"absence": {"enabled": True, "days": 21}, "downward_trend": {"percent": 50, "days": 28}}
    }
    rules = RiskRules.from_notification_settings(settings)
    assert (rules.absence_days, rules.trend_percent, rules.trend_days) == (21, 50, 28)
    assert RiskRules.from_notification_settings(None) == RiskRules()
    partial = RiskRules.from_notification_settings({"notifications": {"absence": {"days": "x"}}})
    assert (partial.absence_days, partial.trend_days) == (14, 21)
