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


for _name, _function in (
    ("test.echo", echo),
    ("test.refuse", refuse),
    ("test.crash", crash),
    ("test.slow", slow),
):
    register_kind(_name, _function)
