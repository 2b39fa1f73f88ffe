"""`make dev` as a user runs it: `python -m gymloop_devstack.dev` brings GET /ready to 200 within 30 s, billing
reaches the local Stripe (localstripe) through the gateway and gets its webhooks, and a SIGINT (Ctrl-C) leaves no
process behind: not the services, not the gateway, not Tansu, not localstripe, not PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest
from gymloop_devstack.demo import DEMO_PASSWORD, DEMO_PEOPLE

from .conftest import free_ports_env

DEV_STRIPE_KEY = "sk_test_gymloop_dev"  # the local Stripe's key (gymloop_devstack.local_stripe)
DEMO_MEMBER = "peter@gymloop-demo.example.com"

pytestmark = pytest.mark.e2e

# The bar; a crowded machine may set GYMLOOP_E2E_READY_BUDGET_S higher, never the default.
READY_BUDGET_S = float(os.environ.get("GYMLOOP_E2E_READY_BUDGET_S", "30"))


def leftovers(marker: str, descendants: list[psutil.Process]) -> list[str]:
    """Processes still alive that belong to the stack: former descendants, or any process whose command line
    or environment names the stack's data directory (PostgreSQL detaches from its starter)."""
    found = {proc.pid: proc for proc in descendants if _alive(proc)}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if marker in " ".join(proc.info["cmdline"] or []) or proc.environ().get("GYMLOOP_DEV_STACK") == marker:
                found[proc.pid] = proc
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return [f"{proc.pid} {' '.join(_cmdline(proc))[:200]}" for proc in found.values() if _alive(proc)]


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []


def wait_for_line(path, text: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content or time.monotonic() > deadline:
            return content
        time.sleep(0.2)


def card_payment_method_through_gateway(gateway: str, stripe: str, data_dir, output) -> None:
    """As the demo admin: the studio collects by Stripe, and Peter's card (made at the local Stripe, as Stripe.js
    would) becomes his payment method through the gateway; billing creates his Stripe customer there, and the
    customer.created webhook reaches billing with a signature it accepts."""
    log = wait_for_line(output, "Gymloop is running.", timeout_s=60)  # the demo data is seeded by then
    assert f"stripe         local Stripe (localstripe) at {stripe}" in log, log
    token = (data_dir / "dev-admin-token.txt").read_text().strip()
    card = {"type": "card", "card[number]": "4242424242424242", "card[cvc]": "123"}
    card |= {"card[exp_month]": "12", "card[exp_year]": "2030"}
    with httpx.Client(base_url=stripe, timeout=10.0, trust_env=False) as raw:
        made = raw.post("/v1/payment_methods", data=card, headers={"Authorization": f"Bearer {DEV_STRIPE_KEY}"})
    assert made.status_code == 200, made.text
    payment_method = made.json()["id"]
    admin = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway, headers=admin, timeout=30.0, trust_env=False) as client:
        found = client.get("/api/members/members", params={"q": DEMO_MEMBER})
        assert found.status_code == 200, found.text
        (peter,) = found.json()["items"]
        settings = client.put("/api/billing/billing-settings", json={"collection_method": "stripe"})
        assert settings.status_code == 200, settings.text
        body = {"type": "card", "payment_method": payment_method}
        deadline = time.monotonic() + 20
        while True:  # billing learns of the demo members from members' events: a 404 until it has
            registered = client.put(f"/api/billing/members/{peter['id']}/stripe/payment-method", json=body)
            if registered.status_code != 404 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
    assert registered.status_code == 200, registered.text
    assert registered.json()["payment_method_id"] == payment_method
    assert registered.json()["stripe_customer_id"].startswith("cus_")
    delivered = 'webhook "customer.created" successfully delivered'
    stripe_log = wait_for_line(data_dir / "logs" / "localstripe.log", delivered, timeout_s=15)
    assert delivered in stripe_log, stripe_log[-2000:]


def back_office_through_gateway(gateway: str, output) -> None:
    """`make dev` prints the back office URL, and the gateway serves its login page there (the web app)."""
    log = output.read_text(errors="replace")
    assert f"back office    {gateway}/" in log, log
    with httpx.Client(base_url=gateway, timeout=10.0, trust_env=False) as client:
        page = client.get("/login")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    credentials = {"email": DEMO_PEOPLE[0][3], "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    with httpx.Client(base_url=gateway, timeout=10.0, trust_env=False, cookies=client.cookies) as browser:
        logged_in = browser.post("/login", data=credentials)
        assert logged_in.status_code == 303, logged_in.text
        dashboard = browser.get("/")
    assert f"Welcome, {DEMO_PEOPLE[0][3]}" in dashboard.text


def test_make_dev_gets_ready_within_30s_and_ctrl_c_leaves_nothing_behind(tmp_path, server_dir_factory):
    data_dir = server_dir_factory("dev") / "dev-data"
    env = {**os.environ, **free_ports_env(data_dir)}
    gateway = f"http://127.0.0.1:{env['GYMLOOP_DEV_GATEWAY_PORT']}"
    stripe = f"http://127.0.0.1:{env['GYMLOOP_DEV_STRIPE_PORT']}"
    output = tmp_path / "make-dev.out"
    started = time.monotonic()
    with output.open("wb") as out:
        dev = subprocess.Popen(
            [sys.executable, "-m", "gymloop_devstack.dev"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    descendants: list[psutil.Process] = []
    localstripe: list[psutil.Process] = []
    try:
        ready_after = None
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() - started < READY_BUDGET_S and dev.poll() is None:
                try:
                    if client.get(f"{gateway}/ready").status_code == 200:
                        ready_after = time.monotonic() - started
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        log = output.read_text(errors="replace")
        assert ready_after is not None, f"GET /ready not 200 within {READY_BUDGET_S}s:\n{log}"
        print(f"ready after {ready_after:.1f}s")
        descendants = psutil.Process(dev.pid).children(recursive=True)
        assert len(descendants) >= 2, "the gateway and Tansu at least run as children"
        localstripe = [proc for proc in descendants if "gymloop_devstack.local_stripe" in " ".join(_cmdline(proc))]
        assert localstripe, "the local Stripe runs as a child"
        card_payment_method_through_gateway(gateway, stripe, data_dir, output)
        back_office_through_gateway(gateway, output)
    finally:
        dev.send_signal(signal.SIGINT)
        try:
            code = dev.wait(60)
        except subprocess.TimeoutExpired:
            dev.kill()
            raise
    log = output.read_text(errors="replace")
    assert code == 0, log
    assert "stopped everything" in log
    left = leftovers(str(data_dir.resolve()), descendants)
    assert not left, "left behind after Ctrl-C:\n" + "\n".join(left)
    assert not any(_alive(proc) for proc in localstripe), "localstripe left behind after Ctrl-C"
