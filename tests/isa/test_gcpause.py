"""The collector keeps running for everyone while a big table is read or written."""

import gc
import threading
import weakref

from voxhub.isa.gcpause import checkpoint, paused_gc, without_gc


class Node:
    def __init__(self):
        self.other = self  # a reference cycle: only the collector frees it


def test_the_collector_stays_on_and_collects_new_cycles():
    with paused_gc():
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # what existed is skipped
        ref = weakref.ref(Node())
        gc.collect()
        assert ref() is None  # made during the pause: collected as usual
    assert gc.get_freeze_count() == 0


def test_cycles_that_existed_are_collected_after_the_pause():
    node = Node()
    ref = weakref.ref(node)
    with paused_gc():
        del node
        gc.collect()
        assert ref() is not None  # frozen: left for after the call
    gc.collect()
    assert ref() is None


def test_checkpoints_freeze_what_the_call_made_and_only_inside_a_pause():
    checkpoint()
    assert gc.get_freeze_count() == 0
    with paused_gc():
        before = gc.get_freeze_count()
        kept = [Node() for _ in range(100)]
        checkpoint()
        assert gc.get_freeze_count() >= before + 100
    assert gc.get_freeze_count() == 0
    assert len(kept) == 100


def test_nested_and_overlapping_pauses_unfreeze_after_the_last():
    inside, release = threading.Event(), threading.Event()

    @without_gc
    def slow():
        inside.set()
        release.wait(10)

    worker = threading.Thread(target=slow)
    with paused_gc():
        worker.start()
        inside.wait(10)
        with paused_gc():
            pass
    assert gc.get_freeze_count() > 0  # the other thread's pause is still on
    release.set()
    worker.join()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
