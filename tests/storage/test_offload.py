"""``Offload``: calls leave the event loop, results and errors come back, a blocked call
holds up nothing but itself."""

import asyncio
import os
import threading

import pytest

from voxhub.storage.offload import Offload


async def _call(offload, fn, *args):
    return await offload.run(fn, *args)


def test_calls_run_off_the_loop_and_return_their_results():
    offload = Offload(threads=2)

    async def main():
        loop_thread = threading.current_thread()
        names = await asyncio.gather(*(offload.run(threading.current_thread) for _ in range(50)))
        values = await asyncio.gather(*(offload.run(pow, n, 2) for n in range(200)))
        return loop_thread, names, values

    loop_thread, threads, values = asyncio.run(main())
    assert all(t is not loop_thread for t in threads)
    assert values == [n * n for n in range(200)]


def test_an_error_reaches_the_awaiting_coroutine():
    offload = Offload(threads=1)

    async def main():
        with pytest.raises(FileNotFoundError):
            await offload.run(os.stat, "/no/such/file/here")
        return await offload.run(len, "still works")

    assert asyncio.run(main()) == 11


def test_a_blocked_call_holds_up_neither_the_loop_nor_other_calls():
    """A stat on a hung disk occupies one thread; the others and the loop go on."""
    offload = Offload(threads=2)
    release = threading.Event()

    async def main():
        stuck = offload.run(release.wait, 30)
        ticks = 0
        for _ in range(20):  # the loop keeps turning
            await asyncio.sleep(0)
            ticks += 1
        answered = await asyncio.wait_for(
            asyncio.gather(*(offload.run(abs, -n) for n in range(100))), timeout=10
        )
        assert not stuck.done()
        release.set()
        return ticks, answered, await asyncio.wait_for(stuck, timeout=10)

    ticks, answered, unstuck = asyncio.run(main())
    assert ticks == 20
    assert answered == list(range(100))
    assert unstuck is True


def test_each_new_loop_gets_its_answers():
    """asyncio.run makes a new loop each time (as tests and TestClient do)."""
    offload = Offload(threads=1)
    for n in range(3):
        assert asyncio.run(_call(offload, str, n)) == str(n)


def test_a_cancelled_waiter_does_not_break_the_others():
    offload = Offload(threads=1)
    release = threading.Event()

    async def main():
        first = offload.run(release.wait, 30)
        second = offload.run(str, "after")
        first.cancel()
        release.set()
        return await asyncio.wait_for(second, timeout=10)

    assert asyncio.run(main()) == "after"


def test_no_threads_is_refused():
    with pytest.raises(ValueError):
        Offload(threads=0)


def test_a_forked_worker_starts_threads_of_its_own():
    """Servers fork their workers after the app is made: the parent's threads stay behind."""
    offload = Offload(threads=1)
    assert asyncio.run(_call(offload, str, 1)) == "1"
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's result is its exit status)
        try:
            ok = asyncio.run(asyncio.wait_for(_call(offload, str, 2), timeout=10)) == "2"
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
