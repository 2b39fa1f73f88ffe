"""The billing, import, communication and reports pages render what the API answered as text (a member's name
that looks like HTML, a chart's labels in the canvas's attribute), and the occupancy keys read as words."""

import json
import re

import pytest
from gymloop_web.messages import EN, translator
from gymloop_web.rendering import environment
from gymloop_web.report_charts import chart, occupancy_label
from gymloop_web.session import WebSession

pytestmark = pytest.mark.unit

NAME = "<b>Anna</b> O'Neil"


def _render(template: str, path: str = "/", **context):
    session = WebSession(role="admin", email="a@b.c", studio_name="Gym", access_token="a", refresh_token="r")
    return (
        environment()
        .get_template(template)
        .render(t=translator("en"), lang="en", session=session, csrf_token="tok", path=path, known_keys=EN, **context)
    )


def test_a_payment_runs_problem_names_the_member_as_text_and_links_their_overview():
    run = {"id": "r1", "collection_date": "2026-12-14", "period_label": "December", "message_id": "M1",
           "item_count": 1, "total_cents": 4500, "file_url": "/api/billing/payment-runs/r1/file",
           "problems": [{"member_id": "m1", "member_name": NAME, "reason": "no mandate", "severity": "error",
                         "what_to_do": "Register the mandate"}]}  # fmt: skip
    page = _render("payment_run.html", run=run)
    assert '<a href="/members/m1">&lt;b&gt;Anna&lt;/b&gt; O&#39;Neil</a>' in page
    assert "left out" in page
    assert 'href="/billing/runs/r1/file"' in page
    assert "EUR 45.00" in page


def test_the_billing_page_offers_a_bank_answer_for_a_pending_collection_and_clearing_for_a_failed_one():
    payments = [
        {"id": "p1", "member_id": "m1", "member_name": NAME, "amount_cents": 4500, "currency": "EUR",
         "method": "sepa", "status": "pending", "collection_date": "2026-12-14"},
        {"id": "p2", "member_id": "m2", "member_name": "Bram", "amount_cents": 100, "currency": "EUR",
         "method": "sepa", "status": "failed", "collection_date": "2026-11-14"},
    ]  # fmt: skip
    page = _render("billing.html", runs=[], total=0, offset=0, page_size=10, overdue=[], payments=payments,
                   error=None, values={}, acted_on=None, new_key="k")  # fmt: skip
    assert 'action="/billing/payments/p1/bank-answer"' in page
    assert 'action="/billing/payments/p2/paid-otherwise"' in page
    assert "/billing/payments/p1/paid-otherwise" not in page
    assert "awaiting the bank" in page
    assert "&lt;b&gt;Anna&lt;/b&gt;" in page


def test_a_charts_figures_go_to_the_canvas_as_json_that_the_attribute_keeps_whole():
    picture = chart("bar", "Occupancy (%)", [NAME, "18:00"], [25.0, 50.0], "%")
    rows = [{"label": NAME, "sessions": 1, "places": 4, "taken": 1, "occupancy": 0.25, "no_shows": 0}]
    page = _render("reports_occupancy.html", path="/reports/occupancy", rows=rows, by="coach",
                   dimensions=("weekday", "coach"), first_day="2026-12-05", days=1, chart=picture,
                   error=None)  # fmt: skip
    attribute = re.search(r"data-chart='([^']*)'", page)
    assert attribute is not None
    unescaped = attribute.group(1).replace("&#34;", '"').replace("&amp;", "&")
    assert json.loads(unescaped)["labels"] == [NAME, "18:00"]
    assert "<b>Anna</b>" not in page
    assert 'src="/static/chart.umd.min.js"' in page
    assert "25%" in page


def test_a_period_without_sessions_says_so_instead_of_an_empty_chart():
    page = _render("reports_occupancy.html", path="/reports/occupancy", rows=[], by="weekday",
                   dimensions=("weekday",), first_day="2026-12-05", days=1,
                   chart=chart("bar", "Occupancy (%)", [], []), error=None)  # fmt: skip
    assert "No sessions in this period." in page
    assert "<canvas" not in page


def test_occupancy_keys_read_as_weekdays_hours_and_names():
    t = translator("en")
    assert occupancy_label("0", "weekday", {}, t) == "Monday"
    assert occupancy_label("6", "weekday", {}, t) == "Sunday"
    assert occupancy_label("7", "hour", {}, t) == "07:00"
    assert occupancy_label("none", "coach", {}, t) == "No coach"
    assert occupancy_label("c1", "coach", {"c1": "Carla Coach"}, t) == "Carla Coach"
    assert occupancy_label("gone", "location", {}, t) == "gone"  # a location since removed keeps its id


def test_an_import_with_errors_lists_each_with_its_row_and_column():
    issues = [{"row": 2, "column": "E-mail", "column_letter": "C", "msg": "Row 2, column C (E-mail): <not> valid"}]
    page = _render("imports.html", path="/imports", imports=[], total=0, offset=0, page_size=10, error=None,
                   issues=issues, dry_run=None)  # fmt: skip
    assert '<li class="error" data-row="2">Row 2, column C (E-mail): &lt;not&gt; valid</li>' in page
    assert 'href="/imports/template"' in page


def test_the_communication_page_shows_posts_and_sent_messages_as_text_with_both_lists_paged_apart():
    posts = [{"post_id": "p1", "title": NAME, "body": "<script>x</script>", "published_at": "2026-12-01T09:00:00Z",
              "edited_at": None}]  # fmt: skip
    sent = [{"message_id": "m1", "subject": NAME, "created_at": "2026-12-02T10:00:00Z",
             "counts": {"in_app": {"delivered": 3}}}]  # fmt: skip
    page = _render("communication.html", path="/communication", posts=posts, total=25, offset=10, page_size=10,
                   sent=sent, sent_total=11, messages_offset=0, messages_page_size=10,
                   tag_options=[("Ochtend", "Ochtend")], members=[("u1", NAME)], error=None, form=None,
                   values={})  # fmt: skip
    assert "<script>x</script>" not in page
    assert '<a href="/communication/messages/m1">&lt;b&gt;Anna&lt;/b&gt; O&#39;Neil</a>' in page
    assert "in_app: delivered: 3" in page
    assert 'href="/communication?offset=10&amp;messages_offset=10"' in page  # the messages' next page keeps the posts'
    assert 'href="/communication?messages_offset=0&amp;offset=20"' in page
