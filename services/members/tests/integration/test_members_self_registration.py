"""A studio's public page by slug and self-registration with e-mail verification: over real SMTP and PostgreSQL,
one answer whether the e-mail is known, nothing usable before the link, one login in two studios."""

import asyncio
import hashlib

import pytest
from gymloop_devstack.testing import error_fields
from members_testkit import PASSWORD, bearer, counts, db_execute, db_fetch, login_status, signup, token_from

pytestmark = pytest.mark.integration


async def studio_slug(client, admin_token: str) -> str:
    current = await client.get("/studios/current", headers=bearer(admin_token))
    assert current.status_code == 200, current.text
    return current.json()["slug"]


def person(slug: str, email: str, password: str = PASSWORD) -> dict[str, str]:
    return {"slug": slug, "email": email, "password": password, "first_name": "Nina", "last_name": "New"}


async def test_public_page_by_slug_shows_name_address_zone_and_nothing_else(client):
    studio = await signup(client, name="Fit Zuid Amsterdam")
    slug = await studio_slug(client, studio.admin_token)
    assert slug == "fit-zuid-amsterdam"
    same_name = await signup(client, name="Fit Zuid Amsterdam")
    assert (await studio_slug(client, same_name.admin_token)).startswith("fit-zuid-amsterdam-")

    changed = await client.patch(
        "/studios/current", headers=bearer(studio.admin_token),
        json={"slug": "fit-zuid", "address": "Ceintuurbaan 1\n1072 GA Amsterdam"},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text

    page = await client.get("/public/studios/fit-zuid")  # no token
    assert page.status_code == 200, page.text
    assert page.json() == {
        "studio_id": str(studio.studio_id), "slug": "fit-zuid", "name": "Fit Zuid Amsterdam",
        "address": "Ceintuurbaan 1\n1072 GA Amsterdam", "timezone": "Europe/Amsterdam",
    }  # fmt: skip
    assert (await client.get("/public/studios/fit-zuid-amsterdam")).status_code == 404  # the old slug is gone
    taken = await client.patch("/studios/current", headers=bearer(same_name.admin_token), json={"slug": "fit-zuid"})
    assert taken.status_code == 409
    assert error_fields(taken)[0] == {"loc": ["body", "slug"], "msg": taken.json()["detail"], "type": "slug_taken"}
    bad = await client.patch("/studios/current", headers=bearer(same_name.admin_token), json={"slug": "Fit Zuid!"})
    assert bad.status_code == 422
    assert error_fields(bad)[0]["type"] == "slug_invalid"


async def test_sign_up_mails_a_link_and_only_the_link_makes_a_member_who_can_log_in(client, mail_sink):
    studio = await signup(client, name="Verify Gym")
    slug = await studio_slug(client, studio.admin_token)
    email = "nina.new@gym.example.com"

    answer = await client.post("/registrations", json=person(slug, email))
    assert answer.status_code == 202, answer.text
    # nothing usable yet: no login, no member, no event
    assert await counts(client.database_url, "account", "membership") == {"account": 1, "membership": 1}
    assert await login_status(client, email, PASSWORD) == 401

    mails = await mail_sink.wait_for(email)
    assert "Confirm your e-mail for Verify Gym" in mails[0]["Subject"]
    assert "http://app.test/verify-email?token=" in mails[0].get_payload(decode=True).decode()
    token = token_from(mails[0])
    stored = [r["token_hash"] for r in await db_fetch(client.database_url, "SELECT token_hash FROM registration")]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]

    verified = await client.post("/registrations/verify", json={"token": token})
    assert verified.status_code == 200, verified.text
    tokens = verified.json()
    assert (tokens["studio_id"], tokens["role"]) == (str(studio.studio_id), "member")
    me = await client.get(f"/members/{tokens['member_id']}", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert (me.json()["first_name"], me.json()["email"]) == ("Nina", email)
    assert await login_status(client, email, PASSWORD) == 200
    registered = await db_fetch(
        client.database_url, "SELECT count(*) AS n FROM outbox WHERE topic = 'MemberRegistered'"
    )
    assert registered[0]["n"] == 2  # the studio's admin and the new member

    again = await client.post("/registrations/verify", json={"token": token})
    assert again.status_code == 422
    assert error_fields(again)[0] == {"loc": ["body", "token"], "msg": again.json()["detail"], "type": "token_used"}
    unknown = await client.post("/registrations/verify", json={"token": "not-a-token"})
    assert error_fields(unknown)[0]["type"] == "token_invalid"


async def test_the_same_person_joins_a_second_studio_keeping_their_password(client, mail_sink):
    first = await signup(client, name="First Gym")
    second = await signup(client, name="Second Gym")
    email = "two.studios@gym.example.com"
    await client.post("/registrations", json=person(await studio_slug(client, first.admin_token), email))
    first_token = token_from((await mail_sink.wait_for(email))[0])
    assert (await client.post("/registrations/verify", json={"token": first_token})).status_code == 200

    # a sign-up at the second studio with another password: same answer, the password is not taken over
    answer = await client.post(
        "/registrations", json=person(await studio_slug(client, second.admin_token), email, "Other-Password-99")
    )
    assert answer.status_code == 202
    mails = await mail_sink.wait_for(email, count=2)
    assert "log in with the password you already use" in mails[1].get_payload(decode=True).decode()
    joined = await client.post("/registrations/verify", json={"token": token_from(mails[1])})
    assert joined.status_code == 200, joined.text
    assert joined.json()["studio_id"] == str(second.studio_id)

    assert await login_status(client, email, "Other-Password-99") == 401
    login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.json()["status"] == "choose_studio"
    assert {s["name"] for s in login.json()["studios"]} == {"First Gym", "Second Gym"}
    assert (await db_fetch(client.database_url, "SELECT count(*) AS n FROM account WHERE email = $1", email))[0][
        "n"
    ] == 1


async def test_bad_sign_ups_change_nothing_and_too_many_are_limited(client, mail_sink):
    studio = await signup(client, name="Limits Gym")
    slug = await studio_slug(client, studio.admin_token)
    before = await counts(client.database_url, "registration", "mail_outbox")

    weak = await client.post("/registrations", json=person(slug, "weak@gym.example.com", "short"))
    assert weak.status_code == 422
    assert error_fields(weak)[0]["loc"] == ["body", "password"]
    no_studio = await client.post("/registrations", json=person("no-such-studio", "x@gym.example.com"))
    assert no_studio.status_code == 404
    assert error_fields(no_studio)[0]["type"] == "studio_not_found"
    bad_email = await client.post("/registrations", json=person(slug, "not-an-email"))
    assert error_fields(bad_email)[0]["type"] == "email_invalid"
    assert await counts(client.database_url, "registration", "mail_outbox") == before

    # per e-mail: the fourth sign-up in the window answers the same, but no mail goes out
    for _ in range(4):
        answer = await client.post("/registrations", json=person(slug, "again@gym.example.com"))
        assert answer.status_code == 202
    await asyncio.sleep(0.5)
    assert len(await mail_sink.wait_for("again@gym.example.com", count=3)) == 3
    await asyncio.sleep(0.5)
    assert len(mail_sink.to("again@gym.example.com")) == 3

    # per client address: 10 sign-ups in the window (3 above), then 429 with Retry-After
    for number in range(7):
        assert (await client.post("/registrations", json=person(slug, f"p{number}@gym.example.com"))).status_code == 202
    throttled = await client.post("/registrations", json=person(slug, "p-last@gym.example.com"))
    assert throttled.status_code == 429
    assert error_fields(throttled)[0]["type"] == "registration_throttled"
    assert int(throttled.headers["Retry-After"]) > 0


async def test_links_that_are_not_valid_are_limited_per_address(client, mail_sink):
    """Guessing tokens: each link that is not valid counts for the client address; after the limit every link from
    there answers 429 before a token is looked at, a valid one too, until the window has passed."""
    studio = await signup(client, name="Guess Gym")
    slug = await studio_slug(client, studio.admin_token)
    email = "guess.victim@gym.example.com"
    # earlier tests used up this address's sign-ups for the hour: they are an hour old now
    await db_execute(client.database_url, "UPDATE registration SET created_at = created_at - interval '2 hours'")
    assert (await client.post("/registrations", json=person(slug, email))).status_code == 202
    token = token_from((await mail_sink.wait_for(email))[0])
    await db_execute(client.database_url, "DELETE FROM verification_failure")  # what earlier tests counted
    try:
        for number in range(10):
            guess = await client.post("/registrations/verify", json={"token": f"guess-{number}"})
            assert (guess.status_code, error_fields(guess)[0]["type"]) == (422, "token_invalid")
        throttled = await client.post("/registrations/verify", json={"token": token})
        assert (throttled.status_code, error_fields(throttled)[0]["type"]) == (429, "verification_throttled")
        assert int(throttled.headers["Retry-After"]) > 0
        assert await counts(client.database_url, "verification_failure") == {"verification_failure": 10}
        # the window passes (the counted attempts age): the real link works again
        await db_execute(client.database_url, "UPDATE verification_failure SET at = at - interval '16 minutes'")
        verified = await client.post("/registrations/verify", json={"token": token})
        assert verified.status_code == 200, verified.text
    finally:
        await db_execute(client.database_url, "DELETE FROM verification_failure")
