"""What the attack round found in the login flows: login, reset and first-login answer alike (and in about the
same time) whether or not the e-mail is known; reset and first-login mails are limited per account and per
address; a password change or reset ends every other session and link; an archived member's token opens no studio."""

import statistics
import time
import uuid

import pytest
import pytest_asyncio
from gymloop_devstack.testing import error_fields, problem, service_client
from gymloop_members.app import create_app
from members_testkit import MIGRATIONS, PASSWORD, add_member, bearer, db_execute, db_fetch, signup, token_from

pytestmark = pytest.mark.integration

NEW_PASSWORD = "Deadlift+Row-2026"
TRIES = 7


@pytest_asyncio.fixture(loop_scope="session")
async def hardened(new_database, members_settings):
    """A members service with an argon2 cost high enough to measure (the other tests use the cheapest), no login
    throttle in the way of repeated tries, and small password-mail limits."""
    url = await new_database(MIGRATIONS, prefix="members_auth")
    settings = members_settings(
        url, argon2_time_cost=2, argon2_memory_cost_kib=19456, login_max_failures_per_account=1000,
        login_max_failures_per_ip=1000, password_mail_max_per_account=2, password_mail_max_per_ip=3,
    )  # fmt: skip
    async with service_client(create_app(settings)) as http:
        http.database_url = url
        yield http


async def _copy_password(database_url: str, *, from_email: str, to_email: str) -> None:
    await db_execute(
        database_url,
        "UPDATE account SET password_hash = (SELECT password_hash FROM account WHERE email = $1) WHERE email = $2",
        from_email,
        to_email,
    )


async def _mails_to(database_url: str, address: str) -> int:
    rows = await db_fetch(database_url, "SELECT count(*) AS n FROM mail_outbox WHERE to_address = $1", address)
    return int(rows[0]["n"])


async def test_login_answers_alike_for_unknown_passwordless_archived_and_wrong_password(hardened, mail_sink):
    client = hardened
    studio = await signup(client)
    passwordless = (await add_member(client, studio.admin))["email"]
    archived = await add_member(client, studio.admin)
    archived_with_password = await add_member(client, studio.admin)
    await _copy_password(client.database_url, from_email=studio.admin_email, to_email=archived_with_password["email"])
    for person in (archived, archived_with_password):
        gone = await client.post(f"/members/{person['id']}/archive", json={"reason": "left"}, headers=studio.admin)
        assert gone.status_code == 200, gone.text

    cases = {
        "wrong password": studio.admin_email,
        "unknown": f"nobody-{uuid.uuid4().hex[:8]}@gym.example.com",
        "no password yet": passwordless,
        "archived, no password": archived["email"],
        "archived, wrong password": archived_with_password["email"],
    }
    answers: dict[str, tuple[int, dict[str, object]]] = {}
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for attempt in range(TRIES):
        for name, email in cases.items():  # interleaved, so load on the machine hits every case alike
            started = time.perf_counter()
            response = await client.post(
                "/auth/login",
                json={"email": email, "password": "Wrong-password-1"},
                headers={"X-Forwarded-For": f"10.9.{attempt}.1"},
            )
            timings[name].append(time.perf_counter() - started)
            answers.setdefault(name, (response.status_code, response.json()))
            assert (response.status_code, response.json()) == answers[name], name

    medians = {name: statistics.median(values) for name, values in timings.items()}
    wrong = medians["wrong password"]
    # generous bounds: the point is that no case skips the password hash (which is most of the time)
    assert all(wrong / 2 <= median <= wrong * 3 for median in medians.values()), medians

    reference = answers["wrong password"]
    assert answers == {name: reference for name in cases}
    assert reference[0] == 401
    assert reference[1]["code"] == "invalid_credentials"
    assert "inbox" in str(reference[1]["detail"])  # it says what to do, whatever failed

    # the login without a password got its first-login mail, silently and once; the archived ones got none
    assert "Choose your password" in (await mail_sink.wait_for(passwordless))[0]["Subject"]
    assert await _mails_to(client.database_url, passwordless) == 1
    assert await _mails_to(client.database_url, archived["email"]) == 0

    # the right password of an archived login still says why it cannot get in: it proved to be its owner
    owner = await client.post("/auth/login", json={"email": archived_with_password["email"], "password": PASSWORD})
    assert owner.status_code == 403
    assert error_fields(owner)[0]["type"] == "no_active_membership"


async def test_password_reset_answers_alike_for_known_unknown_and_archived_e_mails(hardened):
    client = hardened
    studio = await signup(client)
    archived = await add_member(client, studio.admin)
    await client.post(f"/members/{archived['id']}/archive", json={"reason": "left"}, headers=studio.admin)
    answers = [
        await client.post("/auth/password-reset", json={"email": email})
        for email in (studio.admin_email, "nobody@gym.example.com", archived["email"], "not an e-mail")
    ]
    assert {(a.status_code, a.text) for a in answers} == {(answers[0].status_code, answers[0].text)}
    assert answers[0].status_code == 202


async def test_reset_and_first_login_mails_are_limited_per_account_and_per_address(hardened):
    client = hardened  # at most 2 mails per account and 3 per address in the window
    studio = await signup(client)
    answers = set()
    for n in range(4):
        asked = await client.post(
            "/auth/password-reset", json={"email": studio.admin_email}, headers={"X-Forwarded-For": f"10.8.{n}.1"}
        )
        answers.add((asked.status_code, asked.text))
    (answer,) = answers  # beyond the limit the answer does not change
    assert answer[0] == 202
    assert await _mails_to(client.database_url, studio.admin_email) == 2

    attacker = {"X-Forwarded-For": "203.0.113.9"}
    people = [(await add_member(client, studio.admin))["email"] for _ in range(4)]
    for email in people[:3]:
        refused = await client.post("/auth/login", json={"email": email, "password": "x"}, headers=attacker)
        assert refused.status_code == 401
    assert [await _mails_to(client.database_url, email) for email in people[:3]] == [1, 1, 1]
    # the address has had its 3: neither a first login nor a reset from it mails the fourth person
    beyond = await client.post("/auth/login", json={"email": people[3], "password": "x"}, headers=attacker)
    assert (beyond.status_code, beyond.json()) == (refused.status_code, refused.json())
    await client.post("/auth/password-reset", json={"email": people[3]}, headers=attacker)
    assert await _mails_to(client.database_url, people[3]) == 0
    # from elsewhere it goes out
    await client.post("/auth/password-reset", json={"email": people[3]}, headers={"X-Forwarded-For": "198.51.100.9"})
    assert await _mails_to(client.database_url, people[3]) == 1

    # once the window has passed, the account may get mails again
    await db_execute(client.database_url, "UPDATE mail_limit SET at = at - interval '61 minutes'")
    await client.post("/auth/password-reset", json={"email": studio.admin_email})
    assert await _mails_to(client.database_url, studio.admin_email) == 3


async def test_a_password_change_ends_every_other_session_and_older_reset_links(client, mail_sink):
    studio = await signup(client)
    other_device = await client.post("/auth/login", json={"email": studio.admin_email, "password": PASSWORD})
    other_refresh = other_device.json()["tokens"]["refresh_token"]
    await client.post("/auth/password-reset", json={"email": studio.admin_email})
    older_link = token_from((await mail_sink.wait_for(studio.admin_email))[0])

    changed = await client.post(
        "/auth/change-password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=studio.admin
    )
    assert changed.status_code == 200, changed.text
    for old in (studio.refresh_token, other_refresh):
        ended = await client.post("/auth/refresh", json={"refresh_token": old})
        assert ended.status_code == 401
        assert error_fields(ended)[0]["type"] == "refresh_token_revoked"
    link = await client.post("/auth/set-password", json={"token": older_link, "new_password": "Another-Pass-77"})
    assert link.status_code == 422
    assert error_fields(link)[0]["type"] == "token_used"
    # the device that changed the password goes on with the pair it got
    assert changed.json()["studio_id"] == str(studio.studio_id)
    kept = await client.post("/auth/refresh", json={"refresh_token": changed.json()["refresh_token"]})
    assert kept.status_code == 200, kept.text


async def test_a_password_reset_ends_older_reset_links(client, mail_sink):
    studio = await signup(client)
    for _ in range(2):
        await client.post("/auth/password-reset", json={"email": studio.admin_email})
    first, second = (token_from(mail) for mail in await mail_sink.wait_for(studio.admin_email, count=2))
    done = await client.post("/auth/set-password", json={"token": second, "new_password": NEW_PASSWORD})
    assert done.status_code == 204
    older = await client.post("/auth/set-password", json={"token": first, "new_password": "Another-Pass-77"})
    assert error_fields(older)[0]["type"] == "token_used"
    ended = await client.post("/auth/refresh", json={"refresh_token": studio.refresh_token})
    assert ended.status_code == 401


async def test_an_archived_member_with_a_valid_token_cannot_open_a_studio(client):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    await _copy_password(client.database_url, from_email=studio.admin_email, to_email=member["email"])
    logged_in = await client.post("/auth/login", json={"email": member["email"], "password": PASSWORD})
    token = logged_in.json()["tokens"]["access_token"]
    archived = await client.post(f"/members/{member['id']}/archive", json={"reason": "left"}, headers=studio.admin)
    assert archived.status_code == 200
    before = await db_fetch(client.database_url, "SELECT count(*) AS n FROM studio")

    refused = await client.post("/studios", json={"name": "Pirate Gym"}, headers=bearer(token))
    assert problem(refused, 403)["code"] == "membership_not_active"
    assert await db_fetch(client.database_url, "SELECT count(*) AS n FROM studio") == before
    changed = await client.post(
        "/auth/change-password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    assert problem(changed, 403)["code"] == "membership_not_active"
