"""Job kinds used by the job tests (registered exactly as a plugin would)."""

from __future__ import annotations

import time

from voxhub.errors import InvalidInput
from voxhub.jobs.kinds import register_kind


def echo(ctx, params):
    ctx.progress(1, 2, "half way")
    return {"echo": params, "attempt": ctx.attempt}


def refuse(ctx, params):
    raise InvalidInput("the parameters make no sense")


def crash(ctx, params):
    raise RuntimeError("boom")


def slow(ctx, params):
    steps = int(params.get("steps", 200))
    for step in range(steps):
        time.sleep(float(params.get("sleep", 0.02)))
        ctx.progress(step + 1, steps, f"step {step + 1}")
    return {"steps": steps}


def record(ctx, params):
    """Append one line per run to a file, so a test can count runs across processes."""
    time.sleep(float(params.get("sleep", 0.2)))
    with open(params["log"], "a") as log:
        log.write(f"{ctx.job_id}\n")
    return {"worker_attempt": ctx.attempt}


for _name, _function in (
    ("test.record", record),
    ("test.echo", echo),
    ("test.refuse", refuse),
    ("test.crash", crash),
    ("test.slow", slow),
):
    register_kind(_name, _function)
