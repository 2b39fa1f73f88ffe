import pytest
from members_testkit import PASSWORD, bearer, signup

pytestmark = pytest.mark.integration


async def test_health_ready_and_signup_login_me(client):
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/ready")).status_code == 200
    studio = await signup(client, "Smoke Gym")
    me = await client.get("/me", headers=studio.admin)
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "admin"
    assert me.json()["memberships"][0]["studio_name"] == "Smoke Gym"
    login = await client.post("/auth/login", json={"email": studio.admin_email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    assert login.json()["status"] == "authenticated"
    token = login.json()["tokens"]["access_token"]
    studio_info = await client.get("/studios/current", headers=bearer(token))
    assert studio_info.json()["name"] == "Smoke Gym"
