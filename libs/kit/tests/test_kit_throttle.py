from datetime import UTC, datetime, timedelta

import pytest
from gymloop_kit.throttle import WindowThrottle

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ago(*minutes):
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_four_recent_failures_still_allow_a_try():
    assert WindowThrottle().retry_after(account_failures=ago(1, 2, 3, 4), ip_failures=[], now=NOW) is None


def test_the_fifth_failure_blocks_until_the_oldest_of_them_leaves_the_window():
    wait = WindowThrottle().retry_after(account_failures=ago(1, 2, 3, 4, 10), ip_failures=[], now=NOW)
    assert wait == 5 * 60  # the failure 10 minutes ago leaves the 15-minute window in 5 minutes


def test_failures_outside_the_window_do_not_count():
    assert WindowThrottle().retry_after(account_failures=ago(1, 2, 3, 16, 20, 30), ip_failures=[], now=NOW) is None


def test_the_ip_limit_is_separate_and_the_longer_wait_wins():
    throttle = WindowThrottle(max_per_ip=3)
    assert throttle.retry_after(account_failures=[], ip_failures=ago(1, 2, 14), now=NOW) == 60
    assert throttle.retry_after(account_failures=ago(1, 2, 3, 4, 5), ip_failures=ago(1, 2, 14), now=NOW) == 10 * 60


def test_the_wait_is_at_least_one_second():
    at_edge = [NOW - timedelta(minutes=15) + timedelta(milliseconds=10)] * 5
    assert WindowThrottle().retry_after(account_failures=at_edge, ip_failures=[], now=NOW) == 1
