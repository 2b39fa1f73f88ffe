"""How the pages show the API's values: studio-local times, money, unavailable parts, safe back links; and the
view pages' templates render a view's unavailable part as a message, escaping whatever a member typed."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from gymloop_web.display import clock, money, parse_day, percent, safe_back, studio_zone, unavailable, week_start, when
from gymloop_web.messages import translator
from gymloop_web.rendering import environment
from gymloop_web.session import WebSession

pytestmark = pytest.mark.unit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_api_instants_show_on_the_studios_clock():
    assert clock("2026-12-02T17:30:00Z", AMSTERDAM) == "18:30"
    assert when("2026-07-01T22:15:00+00:00", AMSTERDAM) == "2026-07-02 00:15"
    assert clock(None, AMSTERDAM) == ""
    assert when("not a time", AMSTERDAM) == ""


def test_an_unknown_zone_falls_back_to_the_platform_default():
    assert studio_zone("Mars/Olympus") == studio_zone(None)
    assert studio_zone("Europe/London") == ZoneInfo("Europe/London")


def test_money_and_percent():
    assert money(1250, "EUR") == "EUR 12.50"
    assert money(-5, "EUR") == "EUR -0.05"
    assert money(None) == ""
    assert percent(0.5) == "50%"
    assert percent(None) == ""


def test_a_views_unavailable_part_is_recognised():
    assert unavailable({"unavailable": True, "service": "billing", "detail": "down"})
    assert not unavailable([])
    assert not unavailable({"items": []})


def test_days_from_the_query_and_weeks_start_on_monday():
    today = date(2026, 12, 2)
    assert parse_day("2026-12-24", today) == date(2026, 12, 24)
    assert parse_day("tomorrow", today) == today
    assert parse_day(None, today) == today
    assert week_start(date(2026, 12, 6)) == date(2026, 11, 30)


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com", "\\\\evil", "", None])
def test_a_form_sends_back_only_to_a_path_of_this_site(target):
    assert safe_back(target) == "/"


def test_a_path_of_this_site_is_kept():
    assert safe_back("/members/1#notes") == "/members/1#notes"


def _render(template: str, **context):
    session = WebSession(role="admin", email="a@b.c", studio_name="Gym")
    return (
        environment()
        .get_template(template)
        .render(t=translator("en"), lang="en", session=session, csrf_token="tok", path="/", **context)
    )


def test_the_dashboard_shows_each_unavailable_part_as_a_message():
    down = {"unavailable": True, "service": "notifications", "detail": "timed out"}
    page = _render(
        "dashboard.html",
        view={"today": "2026-12-02", "notifications": down, "sessions_today": [], "at_risk": down},
        active_members=3,
        zone=AMSTERDAM,
    )
    assert page.count('data-unavailable="notifications"') == 2
    assert "You coach no session today." in page


def test_the_overview_escapes_what_a_member_typed_and_marks_missing_parts():
    down = {"unavailable": True, "service": "billing", "detail": "down"}
    profile = {"first_name": "<script>x</script>", "last_name": "B", "email": "b@c.d", "status": "active"}
    page = _render(
        "member.html",
        o={
            "member_id": "m1", "profile": profile, "role": "member", "tags": [], "responsible_employee": None,
            "subscriptions": down, "statistics": down, "upcoming": [], "waitlist": [],
            "history": {"items": [], "total": 0}, "payment_state": down, "purchases": down, "payments": down,
            "notes": [{"body": "<b>hi</b>", "created_at": "2026-12-02T10:00:00Z"}], "attachments": [],
            "checklists": [],
        },
        zone=AMSTERDAM, offered=[], history_offset=0, history_page=10, error=None, values={}, acted_on=None,
        today="2026-12-02", new_key="k1", plan_options=[("p1", "<i>Pack</i>")], product_options=[], studio_tags=[],
        staff_options=[], mandate=None, checklist_options=[],
    )  # fmt: skip
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page
    assert '<option value="p1">&lt;i&gt;Pack&lt;/i&gt;</option>' in page  # a plan's name is text too
    assert "No mandate yet." in page
    assert (
        page.count('data-unavailable="billing"') == 5
    )  # subscriptions, statistics, payment state, purchases, payments
