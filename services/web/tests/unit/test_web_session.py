"""The sealed session cookie: it opens only with our secret, unchanged and in time; rotation keeps old cookies."""

import time

import pytest
from cryptography.fernet import Fernet
from gymloop_web.session import SessionSealer, StudioChoice, WebSession

pytestmark = pytest.mark.unit

SECRET = "s" * 40


def logged_in() -> WebSession:
    return WebSession(
        access_token="eyJ.access.token", refresh_token="refresh-token-value", access_expires_at=time.time() + 900,
        account_id="a", email="desk@example.com", studio_id="s1", studio_name="Studio", role="employee",
        member_id="m", studios=[StudioChoice("s1", "Studio", "employee"), StudioChoice("s2", "Other", "admin")],
    )  # fmt: skip


def test_a_sealed_session_opens_to_the_same_session_and_hides_its_tokens():
    sealer = SessionSealer([SECRET], max_age_s=60)
    session = logged_in()
    sealed = sealer.seal(session)
    assert "refresh-token-value" not in sealed
    assert "eyJ.access.token" not in sealed
    assert "desk@example.com" not in sealed
    assert sealer.open(sealed) == session
    assert [studio.studio_id for studio in session.other_studios()] == ["s2"]


def test_a_tampered_foreign_or_garbage_cookie_opens_as_nothing():
    sealer = SessionSealer([SECRET], max_age_s=60)
    sealed = sealer.seal(logged_in())
    flipped = sealed[:-5] + ("A" if sealed[-5] != "A" else "B") + sealed[-4:]
    assert sealer.open(flipped) is None
    assert SessionSealer(["t" * 40], max_age_s=60).open(sealed) is None
    assert sealer.open("not-a-cookie") is None
    foreign = Fernet(Fernet.generate_key()).encrypt(b'{"csrf": "x"}').decode()
    assert sealer.open(foreign) is None


def test_a_cookie_older_than_the_max_age_opens_as_nothing(monkeypatch):
    sealer = SessionSealer([SECRET], max_age_s=60)
    sealed = sealer.seal(logged_in())
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert sealer.open(sealed) is None


def test_a_new_secret_seals_while_the_previous_one_still_opens():
    old = SessionSealer(["old" * 12], max_age_s=60)
    rotated = SessionSealer(["new" * 12, "old" * 12], max_age_s=60)
    session = logged_in()
    assert rotated.open(old.seal(session)) == session
    assert old.open(rotated.seal(session)) is None  # sealed with the new secret


def test_every_new_session_has_its_own_csrf_token_and_no_login():
    first, second = WebSession(), WebSession()
    assert first.csrf != second.csrf
    assert len(first.csrf) >= 40
    assert not first.logged_in
    assert not first.is_staff


@pytest.mark.parametrize(("role", "staff", "admin"), [("member", False, False), ("employee", True, False),
                                                      ("admin", True, True)])  # fmt: skip
def test_roles(role, staff, admin):
    session = logged_in()
    session.role = role
    assert (session.is_staff, session.is_admin) == (staff, admin)
