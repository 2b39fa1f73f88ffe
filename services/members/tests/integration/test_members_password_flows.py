"""Identity flows end to end: first-login and reset e-mails over real SMTP, single-use and expiring tokens,
throttling, rotating refresh tokens with reuse detection, logout, several studios per login."""

import asyncio
import hashlib
import uuid

import pytest
from gymloop_devstack.testing import error_fields
from members_testkit import PASSWORD, add_member, bearer, db_execute, db_fetch, signup, token_from

pytestmark = pytest.mark.integration

NEW_PASSWORD = "Deadlift+Row-2026"


async def test_first_login_mails_a_set_password_link_then_the_new_password_logs_in(client, mail_sink):
    studio = await signup(client)
    member = await add_member(client, studio.admin, email="first.login@gym.example.com")

    # the answer is the one of a wrong password (no oracle); the mail goes out silently
    attempt = await client.post("/auth/login", json={"email": "first.login@gym.example.com", "password": "anything"})
    assert attempt.status_code == 401, attempt.text
    assert error_fields(attempt)[0]["type"] == "invalid_credentials"
    mails = await mail_sink.wait_for("first.login@gym.example.com")
    assert "Choose your password" in mails[0]["Subject"]
    body = mails[0].get_payload(decode=True).decode()
    assert "http://app.test/set-password?token=" in body
    token = token_from(mails[0])

    stored = [row["token_hash"] for row in await db_fetch(client.database_url, "SELECT token_hash FROM password_token")]
    assert token not in stored  # only the hash is kept
    assert hashlib.sha256(token.encode()).hexdigest() in stored

    # a second attempt right away sends no second mail
    again = await client.post("/auth/login", json={"email": "first.login@gym.example.com", "password": "x"})
    assert again.status_code == 401
    await asyncio.sleep(0.5)
    assert len(mail_sink.to("first.login@gym.example.com")) == 1

    weak = await client.post("/auth/set-password", json={"token": token, "new_password": "firstlogin99"})
    assert weak.status_code == 422
    assert error_fields(weak)[0]["loc"] == ["body", "new_password"]
    assert error_fields(weak)[0]["type"] == "password_contains_email"

    chosen = await client.post("/auth/set-password", json={"token": token, "new_password": NEW_PASSWORD})
    assert chosen.status_code == 204, chosen.text

    logged_in = await client.post(
        "/auth/login", json={"email": "first.login@gym.example.com", "password": NEW_PASSWORD}
    )
    assert logged_in.status_code == 200, logged_in.text
    tokens = logged_in.json()["tokens"]
    assert tokens["role"] == "member"
    assert tokens["member_id"] == member["id"]
    own = await client.get(f"/members/{member['id']}", headers=bearer(tokens["access_token"]))
    assert own.status_code == 200

    reused = await client.post("/auth/set-password", json={"token": token, "new_password": "Another-Pass-77"})
    assert reused.status_code == 422
    assert error_fields(reused)[0] == {
        "loc": ["body", "token"],
        "msg": "this link was already used: ask for a new password e-mail",
        "type": "token_used",
    }


async def test_password_reset_by_mail_and_expired_or_unknown_tokens_are_refused(client, mail_sink):
    studio = await signup(client)
    asked = await client.post("/auth/password-reset", json={"email": studio.admin_email})
    assert asked.status_code == 202
    token = token_from((await mail_sink.wait_for(studio.admin_email))[0])
    assert "reset-password?token=" in mail_sink.to(studio.admin_email)[0].get_payload(decode=True).decode()

    done = await client.post("/auth/set-password", json={"token": token, "new_password": NEW_PASSWORD})
    assert done.status_code == 204
    assert (
        await client.post("/auth/login", json={"email": studio.admin_email, "password": PASSWORD})
    ).status_code == 401
    assert (
        await client.post("/auth/login", json={"email": studio.admin_email, "password": NEW_PASSWORD})
    ).status_code == 200
    # the reset ended the sessions opened with the old password
    old_refresh = await client.post("/auth/refresh", json={"refresh_token": studio.refresh_token})
    assert old_refresh.status_code == 401

    await client.post("/auth/password-reset", json={"email": studio.admin_email})
    second = token_from((await mail_sink.wait_for(studio.admin_email, count=2))[1])
    await db_execute(
        client.database_url,
        "UPDATE password_token SET expires_at = now() - interval '1 minute' WHERE token_hash = $1",
        hashlib.sha256(second.encode()).hexdigest(),
    )
    expired = await client.post("/auth/set-password", json={"token": second, "new_password": "Yet-Another-Pass-1"})
    assert expired.status_code == 422
    assert error_fields(expired)[0]["type"] == "token_expired"
    assert (
        await client.post("/auth/login", json={"email": studio.admin_email, "password": NEW_PASSWORD})
    ).status_code == 200

    unknown = await client.post("/auth/set-password", json={"token": "nope" * 10, "new_password": "Yet-Another-Pass-1"})
    assert unknown.status_code == 422
    assert error_fields(unknown)[0]["type"] == "token_invalid"

    # unknown e-mail: the same answer, and no mail
    nobody = await client.post("/auth/password-reset", json={"email": "nobody@gym.example.com"})
    assert nobody.status_code == 202
    await asyncio.sleep(0.4)
    assert mail_sink.to("nobody@gym.example.com") == []


async def test_login_is_throttled_per_account_with_retry_after(client):
    studio = await signup(client)
    for attempt in range(5):
        wrong = await client.post(
            "/auth/login",
            json={"email": studio.admin_email, "password": "Wrong-password-1"},
            headers={"X-Forwarded-For": f"10.0.0.{attempt}"},
        )
        assert wrong.status_code == 401
        assert error_fields(wrong)[0]["type"] == "invalid_credentials"
    blocked = await client.post("/auth/login", json={"email": studio.admin_email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert error_fields(blocked)[0]["type"] == "login_throttled"
    # once the window has passed, the right password works again
    await db_execute(client.database_url, "UPDATE login_failure SET at = at - interval '16 minutes'")
    assert (
        await client.post("/auth/login", json={"email": studio.admin_email, "password": PASSWORD})
    ).status_code == 200


async def test_login_is_throttled_per_ip(client):
    studio = await signup(client)
    attacker = {"X-Forwarded-For": "203.0.113.7"}
    for n in range(20):
        response = await client.post(
            "/auth/login", json={"email": f"guess{n}@gym.example.com", "password": "Wrong-password-1"}, headers=attacker
        )
        assert response.status_code == 401
    blocked = await client.post(
        "/auth/login", json={"email": studio.admin_email, "password": PASSWORD}, headers=attacker
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    elsewhere = await client.post(
        "/auth/login",
        json={"email": studio.admin_email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.1"},
    )
    assert elsewhere.status_code == 200


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(client):
    studio = await signup(client)
    first = await client.post("/auth/refresh", json={"refresh_token": studio.refresh_token})
    assert first.status_code == 200, first.text
    rotated = first.json()["refresh_token"]
    assert rotated != studio.refresh_token
    second = await client.post("/auth/refresh", json={"refresh_token": rotated})
    assert second.status_code == 200
    newest = second.json()["refresh_token"]

    replay = await client.post("/auth/refresh", json={"refresh_token": rotated})
    assert replay.status_code == 401
    assert error_fields(replay)[0]["type"] == "refresh_token_reused"
    # the whole family is gone, the newest token included
    after = await client.post("/auth/refresh", json={"refresh_token": newest})
    assert after.status_code == 401
    assert error_fields(after)[0]["type"] == "refresh_token_revoked"

    stored = [row["token_hash"] for row in await db_fetch(client.database_url, "SELECT token_hash FROM refresh_token")]
    assert newest not in stored
    assert hashlib.sha256(newest.encode()).hexdigest() in stored


async def test_logout_revokes_the_refresh_token(client):
    studio = await signup(client)
    assert (await client.post("/auth/logout", json={"refresh_token": studio.refresh_token})).status_code == 204
    refused = await client.post("/auth/refresh", json={"refresh_token": studio.refresh_token})
    assert refused.status_code == 401
    assert (await client.post("/auth/logout", json={"refresh_token": studio.refresh_token})).status_code == 204


async def test_a_login_with_several_studios_chooses_one_and_switches(client):
    first = await signup(client, "North Gym")
    created = await client.post("/studios", json={"name": "South Gym"}, headers=first.admin)
    assert created.status_code == 201, created.text
    south_id = created.json()["studio_id"]
    assert created.json()["role"] == "admin"

    choose = await client.post("/auth/login", json={"email": first.admin_email, "password": PASSWORD})
    assert choose.status_code == 200
    assert choose.json()["status"] == "choose_studio"
    assert {s["name"] for s in choose.json()["studios"]} == {"North Gym", "South Gym"}

    south = await client.post(
        "/auth/login", json={"email": first.admin_email, "password": PASSWORD, "studio_id": south_id}
    )
    assert south.json()["tokens"]["studio_id"] == south_id
    south_token = south.json()["tokens"]["access_token"]
    assert (await client.get("/studios/current", headers=bearer(south_token))).json()["name"] == "South Gym"

    switched = await client.post(
        "/auth/switch-studio", json={"studio_id": str(first.studio_id)}, headers=bearer(south_token)
    )
    assert switched.status_code == 200
    assert switched.json()["studio_id"] == str(first.studio_id)
    elsewhere = await client.post(
        "/auth/switch-studio", json={"studio_id": str(uuid.uuid4())}, headers=bearer(south_token)
    )
    assert elsewhere.status_code == 404

    # the same person added to another studio keeps one login
    other = await signup(client, "West Gym")
    joined = await add_member(client, other.admin, email=first.admin_email)
    me = await client.get("/me", headers=first.admin)
    assert joined["account_id"] == me.json()["account_id"]


async def test_change_password_needs_the_current_one(client):
    studio = await signup(client)
    wrong = await client.post(
        "/auth/change-password", json={"current_password": "nope", "new_password": NEW_PASSWORD}, headers=studio.admin
    )
    assert wrong.status_code == 422
    assert error_fields(wrong)[0]["loc"] == ["body", "current_password"]
    ok = await client.post(
        "/auth/change-password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=studio.admin
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["studio_id"] == str(studio.studio_id)
    assert (
        await client.post("/auth/login", json={"email": studio.admin_email, "password": NEW_PASSWORD})
    ).status_code == 200


async def test_expired_refresh_tokens_and_archived_members_are_refused(client, mail_sink):
    studio = await signup(client)
    await db_execute(client.database_url, "UPDATE refresh_token SET expires_at = now() - interval '1 second'")
    expired = await client.post("/auth/refresh", json={"refresh_token": studio.refresh_token})
    assert expired.status_code == 401
    assert error_fields(expired)[0]["type"] == "refresh_token_expired"

    member = await add_member(client, studio.admin, email="leaving@gym.example.com")
    await client.post("/auth/login", json={"email": "leaving@gym.example.com", "password": "x"})
    token = token_from((await mail_sink.wait_for("leaving@gym.example.com"))[0])
    assert (
        await client.post("/auth/set-password", json={"token": token, "new_password": NEW_PASSWORD})
    ).status_code == 204
    logged_in = await client.post("/auth/login", json={"email": "leaving@gym.example.com", "password": NEW_PASSWORD})
    refresh_token = logged_in.json()["tokens"]["refresh_token"]

    await client.post(f"/members/{member['id']}/archive", json={"reason": "moved away"}, headers=studio.admin)
    refused = await client.post("/auth/login", json={"email": "leaving@gym.example.com", "password": NEW_PASSWORD})
    assert refused.status_code == 403
    assert error_fields(refused)[0]["type"] == "no_active_membership"
    gone = await client.post("/auth/refresh", json={"refresh_token": refresh_token})
    assert gone.status_code == 401
    assert error_fields(gone)[0]["type"] == "membership_gone"
