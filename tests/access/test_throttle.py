"""The back-off schedule of the login throttle."""

from voxhub.access.throttle import FIRST_DELAY, backoff_seconds


def test_free_attempts_then_doubling_up_to_the_window():
    assert [backoff_seconds(n, 3, 900) for n in range(3)] == [0, 0, 0]
    assert [backoff_seconds(n, 3, 900) for n in (3, 4, 5)] == [
        FIRST_DELAY,
        2 * FIRST_DELAY,
        4 * FIRST_DELAY,
    ]
    assert backoff_seconds(10_000, 3, 900) == 900  # capped, and no float overflow
