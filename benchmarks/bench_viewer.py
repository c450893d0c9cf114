"""The viewer in headless Chromium against ``voxhub serve``: first frame, frame times, chunks.

Generates a uint8 volume (``--size``³, 64³ chunks; default 1024³, the issue's case) with a
uint32 segmentation, once unsharded and once sharded (256³ shards), in
``benchmarks/.work/viewer/data-SIZE`` (generated once, kept between runs: 1024³ takes
about half an hour on two cores; ``--size 256`` is a quick run), serves it, and for each copy:

* time to the first complete frame (every chunk of the screen's level drawn), from
  navigation start, with an empty browser cache;
* frame times while panning and while zooming continuously (one step per animation
  frame, ``requestAnimationFrame`` timestamps: median, p95, max), the render scale the
  viewer chose while moving (it draws at a fraction of the resolution while frames are
  slow, and at full resolution once the view settles), and Chromium's CPU time per frame,
  split into the renderer (page and workers) and the GPU process (SwiftShader); every
  frame over 50 ms is listed with its index, render scale, and the rectangles and canvas
  pixels (overdraw counted) the viewer drew in it;
* what one settled, full-resolution frame costs to draw (drawn and read back
  synchronously, so the figure includes the rasterisation SwiftShader otherwise defers);
* chunks fetched per second of panning and bytes transferred per frame;
* where the first frame's time goes: navigation start -> first chunk request (page,
  scripts, dataset and array metadata) -> last chunk arrival (fetch + decode in workers)
  -> first complete frame (upload + draw);
* chunk requests for one screen against the minimum (the chunks of the level that fits
  the screen that the three planes intersect) and against neuroglancer's approach,
  reproduced on the same chunk grid: its slice view (``filterVisibleSources`` and
  ``updateVisibleChunks`` in ``src/sliceview/``) requests the plane-intersecting chunks
  of every scale from the coarsest down to the one that fits the screen, coarser first;
  this viewer requests the screen's scale and the coarsest only, and draws intermediate
  scales only when they are cached already.

Each copy is measured twice, interleaved over ``--rounds`` rounds: straight from
``voxhub serve`` (plain HTTP/1.1: the browser's 6 connections per host) and through the
nginx front that ``voxhub nginx-config --tls-cert --tls-key`` writes (HTTPS with HTTP/2, a
self-signed certificate the browser context is told to accept: every chunk GET on one
connection); the protocol the chunk GETs took is printed with the figures.

The whole run shares two cores with the server and SwiftShader (WebGL2 on the CPU: the
machine has no GPU), so frame times are far from what a desktop GPU gives; the load
average is printed with the figures.

    .venv/bin/python benchmarks/bench_viewer.py [--size 1024] [--seconds 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import dask.array as da
import httpx
import numpy as np
from playwright.sync_api import sync_playwright

from voxhub.catalog.register import upsert_dataset
from voxhub.config import Settings
from voxhub.formats.ingest import import_layer
from voxhub.formats.source import VolumeSource
from voxhub.hub import Hub
from voxhub.testing import NGINX, start_front, start_server

WORK = Path(__file__).parent / ".work" / "viewer"
CHROMIUM = "/usr/bin/chromium"
# No GPU: WebGL2 on SwiftShader, compositing in software (shorter frames than through SwiftShader).
ARGS = ["--no-sandbox", "--disable-gpu-compositing", "--enable-unsafe-swiftshader"]
VOXEL = (11.0, 11.0, 24.0)


def _color(block: np.ndarray, block_info=None) -> np.ndarray:
    (_, _), (z0, z1), (y0, y1), (x0, x1) = block_info[None]["array-location"]
    z, y, x = np.ogrid[z0:z1, y0:y1, x0:x1]
    texture = ((x * 7 + y * 3) % 64) + 120 + 60 * np.sin((x + z) / 40.0) * np.cos(y / 50.0)
    return np.clip(texture, 0, 255).astype(np.uint8)[None]


def _labels(block: np.ndarray, block_info=None) -> np.ndarray:
    (_, _), (z0, z1), (y0, y1), (x0, x1) = block_info[None]["array-location"]
    z, y, x = np.ogrid[z0:z1, y0:y1, x0:x1]
    return (1 + x // 48 + 64 * (y // 48) + 4096 * (z // 48)).astype(np.uint32)[None]


def write(data: Path, name: str, size: int, shard: tuple[int, int, int] | None) -> None:
    hub = Hub(Settings(data=data, chunk_shape=(64, 64, 64), shard_shape=shard)).prepare()
    band = shard[0] if shard else 64
    for layer, fn, dtype, category in (
        ("color", _color, np.uint8, "color"),
        ("segmentation", _labels, np.uint32, "segmentation"),
    ):
        lazy = da.zeros((1, size, size, size), chunks=(1, band, size, size), dtype=dtype)
        array = lazy.map_blocks(fn, dtype=dtype)
        source = VolumeSource(Path("memory"), tuple(array.shape), array.dtype, dask=array)  # type: ignore[arg-type]
        properties = import_layer(
            hub.data_root, source, organization="bench", dataset=name, layer=layer,
            category=category, voxel_size=VOXEL, layout=hub.layout,
            add_to_existing=layer != "color",
        )  # fmt: skip
    with hub.transaction() as session:
        upsert_dataset(session, "bench", name, properties).is_public = True
    hub.close()


def prepare(size: int) -> Path:
    data = WORK / f"data-{size}"
    marker = data / f".complete-{size}"
    if not marker.exists():
        write(data, "plain", size, None)
        write(data, "sharded", size, (256, 256, 256))
        marker.touch()
    return data


def browser_cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by this run's Chromium processes (found as descendants of
    this process), per process type (renderer, gpu-process, browser, utility): frame times
    on a shared machine depend on the load, this much less."""
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    kind: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        args = cmd.replace(b"\0", b" ").split(b" ")
        if b"chromium" in args[0]:
            cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            # Zygote-forked processes rewrite their command line into one string.
            types = [a[len(b"--type=") :].decode() for a in args if a.startswith(b"--type=")]
            kind[pid] = types[0] if types else "browser"
    total: dict[str, float] = {}
    for pid, seconds in cpu.items():
        ancestor = parent.get(pid, 0)
        while ancestor > 1 and ancestor != os.getpid():
            ancestor = parent.get(ancestor, 0)
        if ancestor == os.getpid():
            total[kind[pid]] = total.get(kind[pid], 0.0) + seconds
    return total


def cpu_ms_per_frame(before: dict[str, float], after: dict[str, float], frames: int) -> dict:
    per = {k: (after[k] - before.get(k, 0.0)) * 1000 / max(1, frames) for k in after}
    return {"total": sum(per.values()), **per}


def spread(values: list[float]) -> str:
    if not values:
        return "n/a"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return (
        f"median {statistics.median(values):6.1f} ms  p95 {p95:6.1f} ms  max {values[-1]:6.1f} ms"
    )


# One step per animation frame for `seconds`; returns frame intervals and counter deltas.
MOVE = """async ([kind, seconds]) => {
  const v = window.__voxhubViewer, c = v.controller;
  const before = v.stats;
  const times = [], scales = [], draws = [], fragments = [];
  const r = c.renderer.stats;
  let drawn = [r.drawCalls, r.fragments ?? 0];
  const start = performance.now();
  let zoomDir = 1.03;
  await new Promise((done) => {
    const step = (t) => {
      times.push(t);
      scales.push(c.renderScale);
      // What the controller drew in this animation frame (its callback runs before this one).
      draws.push(r.drawCalls - drawn[0]);
      fragments.push((r.fragments ?? 0) - drawn[1]);
      drawn = [r.drawCalls, r.fragments ?? 0];
      if (t - start > seconds * 1000) return done();
      if (kind === "pan") {
        const p = c.state.position;
        c.update({ position: [p[0] + 6 * c.state.zoom, p[1] + 2 * c.state.zoom, p[2]] });
      } else {
        if (c.state.zoom > 16) zoomDir = 1 / 1.03;
        if (c.state.zoom < 0.5) zoomDir = 1.03;
        c.update({ zoom: c.state.zoom * zoomDir });
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  const after = v.stats;
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  return {
    gaps,
    scales,
    draws,
    fragments,
    seconds: (times[times.length - 1] - times[0]) / 1000,
    requests: after.loader.requests - before.loader.requests,
    bytes: after.store.bytes - before.store.bytes,
    cancelled: after.loader.cancelled - before.loader.cancelled,
  };
}"""

# One settled frame at full resolution, drawn and read back (one pixel) so that the time
# includes the rasterisation, which SwiftShader defers until something reads the canvas.
DRAW = """() => {
  const c = window.__voxhubViewer.controller, gl = c.renderer.gl, pixel = new Uint8Array(4);
  const once = () => { c.render(); gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel); };
  once();
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    once();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[2], width: c.canvas.width, height: c.canvas.height };
}"""


# The chunks the screen needs at the level that fits it (the minimum), and what
# neuroglancer's slice view asks for: the same at every level from the coarsest down.
MINIMUM = """() => {
  const c = window.__voxhubViewer.controller;
  const minimum = new Set(), neuroglancer = new Set();
  for (const layout of c.layouts()) {
    const view = c.planeView(layout);
    for (const layer of c.info.layers) {
      const levels = c.levels.get(layer.name);
      const target = c.levelIndex(layer, layout.plane);
      for (let index = target; index < levels.length; index++) {
        for (const ref of window.__voxhubViewer.visibleChunks(view, levels[index], index)) {
          const key = `${layer.name}/${index}/${ref.coords}`;
          neuroglancer.add(key);
          if (index === target) minimum.add(key);
        }
      }
    }
  }
  return [minimum.size, neuroglancer.size];
}"""


def settle_browser(page, most_s: float = 6.0) -> None:
    """Wait until this run's Chromium is idle (under 10 % of a core over 300 ms).

    Each new context of a headless Chromium opens a window whose omnibox popup (a WebUI page,
    chrome://omnibox-popup.top-chrome) starts its own renderer and spends ~0.5 s of CPU
    (1.5 s when traced) loading its scripts. A visitor's browser did that long before it
    opened a viewer link; measured from a fresh context it took one of the two cores for
    the first 700 ms of the first frame."""
    page.goto("about:blank")
    deadline = time.perf_counter() + most_s
    before = sum(browser_cpu_seconds().values())
    while time.perf_counter() < deadline:
        time.sleep(0.3)
        now = sum(browser_cpu_seconds().values())
        if now - before < 0.03:
            return
        before = now


# The protocols the page's /zarr GETs went over (resource timing; the workers' chunk GETs
# have timelines of their own, on the same connection).
PROTOCOLS = """() => {
  const seen = {};
  for (const e of performance.getEntriesByType("resource")) {
    if (!e.name.includes("/zarr/")) continue;
    const p = e.nextHopProtocol || "?";
    seen[p] = (seen[p] || 0) + 1;
  }
  return seen;
}"""


def measure(browser, url: str, seconds: float) -> dict:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, ignore_https_errors=url.startswith("https:")
    )
    page = context.new_page()
    settle_browser(page)
    cpu_before = browser_cpu_seconds()
    page.goto(url)
    page.wait_for_function(
        "(v => v && v.stats && v.stats.complete && v.stats.pending === 0)(window.__voxhubViewer)",
        timeout=120_000,
    )
    first_cpu = cpu_ms_per_frame(cpu_before, browser_cpu_seconds(), 1)
    stats = page.evaluate("window.__voxhubViewer.stats")
    protocols = page.evaluate(PROTOCOLS)
    minimum, neuroglancer = page.evaluate(MINIMUM)
    first = {
        "first_complete_ms": stats["firstCompleteMs"],
        "first_request_ms": stats["loader"]["firstRequestMs"],
        "last_arrival_ms": stats["loader"]["lastArrivalMs"],
        "requests": stats["loader"]["requests"],
        "minimum": minimum,
        "neuroglancer": neuroglancer,
        "bytes": stats["store"]["bytes"],
        "uploaded_bytes": stats["renderer"]["uploadedBytes"],
        "cpu_ms": first_cpu,
        "protocols": protocols,
    }
    page.wait_for_timeout(500)  # settled: full resolution again
    draw = page.evaluate(DRAW)
    runs = {}
    for kind in ("pan", "zoom"):
        before = browser_cpu_seconds()
        run = page.evaluate(MOVE, [kind, seconds])
        run["cpu_ms_per_frame"] = cpu_ms_per_frame(before, browser_cpu_seconds(), len(run["gaps"]))
        runs[kind] = run
    context.close()
    return {"first": first, "draw": draw, **runs}


def report(name: str, result: dict) -> None:
    first, pan, zoom = result["first"], result["pan"], result["zoom"]
    print(f"\n== {name}")
    print(
        f"first complete frame   {first['first_complete_ms']:8.0f} ms after navigation start "
        f"(first chunk request {first['first_request_ms']:.0f} ms, last arrival "
        f"{first['last_arrival_ms']:.0f} ms; {first['uploaded_bytes'] / 1e6:.1f} MB to the GPU)"
    )
    over = ", ".join(f"{n} over {p}" for p, n in sorted(first["protocols"].items()))
    print(f"page's /zarr GETs went {over} (the chunk GETs of the workers are not listed)")
    cpu = first["cpu_ms"]
    print(
        f"CPU to that frame      {cpu['total']:8.0f} ms  (renderer {cpu.get('renderer', 0):.0f}, "
        f"GPU process {cpu.get('gpu-process', 0):.0f}, browser {cpu.get('browser', 0):.0f}, "
        f"utility {cpu.get('utility', 0):.0f}; Chromium only, the server not counted)"
    )
    print(
        f"requests for 1 screen  {first['requests']:8d}  (minimum {first['minimum']}, "
        f"ratio {first['requests'] / max(1, first['minimum']):.2f}; {first['bytes'] / 1e6:.1f} MB)"
    )
    print(
        f"neuroglancer's approach {first['neuroglancer']:7d}  requests for the same screen "
        f"(ratio to the minimum {first['neuroglancer'] / max(1, first['minimum']):.2f}; "
        f"this viewer / neuroglancer {first['requests'] / max(1, first['neuroglancer']):.2f}x)"
    )
    draw = result["draw"]
    print(
        f"settled full-resolution frame {draw['ms']:6.1f} ms to draw "
        f"({draw['width']}x{draw['height']} canvas pixels, drawn and read back)"
    )
    for label, run in (("panning", pan), ("zooming", zoom)):
        frames = max(1, len(run["gaps"]))
        cpu = run["cpu_ms_per_frame"]
        scales = sorted(run["scales"])
        print(
            f"{label:8s} frames       {spread(run['gaps'])}  "
            f"(render scale median {statistics.median(scales) if scales else 1:.2f})"
        )
        print(f"{label:8s} long frames  {long_frames(run)}")
        print(
            f"{label:8s} CPU/frame    {cpu['total']:6.1f} ms  (renderer "
            f"{cpu.get('renderer', 0):.1f}, GPU process {cpu.get('gpu-process', 0):.1f}, "
            f"browser {cpu.get('browser', 0):.1f})"
        )
        print(
            f"{label:8s} chunks/s     {run['requests'] / max(run['seconds'], 1e-9):8.1f}   "
            f"bytes/frame {run['bytes'] / frames / 1e3:8.1f} kB   cancelled {run['cancelled']}"
        )


def long_frames(run: dict, over: float = 50.0) -> str:
    """The frames over `over` ms: which (index from the movement's start), at what render scale,
    and what the controller drew in them (rectangles, canvas pixels shaded, overdraw counted)."""
    gaps = run["gaps"]
    # Gap i ends when animation frame i + 1 starts: the frame drawn in animation frame i was
    # through the pipeline (drawn, read back, composited) only then.
    long = [i for i, gap in enumerate(gaps) if gap > over]
    if not long:
        return f"none over {over:.0f} ms of {len(gaps)} (over 33 ms: {sum(g > 33.4 for g in gaps)})"
    draws, fragments = run.get("draws", []), run.get("fragments", [])
    items = ", ".join(
        f"#{i} {gaps[i]:.0f} ms ({run['scales'][i]:.2f}, {draws[i]} draws, "
        f"{fragments[i] / 1e3:.0f}k px)"
        if i < len(draws)
        else f"#{i} {gaps[i]:.0f} ms"
        for i in long[:6]
    )
    more = f" and {len(long) - 6} more" if len(long) > 6 else ""
    over33 = sum(g > 33.4 for g in gaps)
    return f"{len(long)} over {over:.0f} ms of {len(gaps)} (over 33 ms: {over33}): {items}{more}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each run")
    args = parser.parse_args()
    started = time.perf_counter()
    data = prepare(args.size)
    print(f"dataset {args.size}³ uint8 + uint32 ready in {time.perf_counter() - started:.0f} s")
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}, 2 cores".format(*os.getloadavg()))
    server = start_server(data, {"VOXHUB_SAMPLE": "false", "VOXHUB_SCAN_INTERVAL": "0"})
    front = start_front(server, WORK / "front", tls=True) if os.path.exists(NGINX) else None
    routes = {"direct": server.url, **({"https-h2": front.url} if front else {})}
    if front is None:
        print("no nginx (`make nginx`): the direct run only")
    try:
        assert httpx.get(f"{server.url}/api/v1/datasets/bench/plain").status_code == 200
        # The server's first page request after start (lazy imports, first connection) took
        # 0.5-1.3 s and counted in the first dataset's first frame only: a viewer meets a
        # running server, so warm it once (and nginx's connection to it).
        for base in routes.values():
            assert httpx.get(f"{base}/ui/view/bench/plain", verify=False).status_code == 200
        results: dict[str, list[dict]] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            # Interleaved: the load of the shared machine drifts, and hits both routes alike.
            for round_ in range(args.rounds):
                for name in ("plain", "sharded"):
                    for route, base in routes.items():
                        url = f"{base}/ui/view/bench/{name}#zoom=1&layout=ortho"
                        result = measure(browser, url, args.seconds)
                        results.setdefault(f"{name}/{route}", []).append(result)
                        shards = ", 256³ shards" if name == "sharded" else ""
                        how = "voxhub serve, HTTP/1.1" if route == "direct" else (
                            "behind the nginx front, HTTPS + HTTP/2"
                        )  # fmt: skip
                        report(
                            f"{name} ({args.size}³, 64³ chunks{shards}), {how}, "
                            f"round {round_ + 1}/{args.rounds}",
                            result,
                        )
            browser.close()
        print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        summary(results)
        out = WORK / f"result-{args.size}.json"
        out.write_text(json.dumps(results, indent=1))
        print(f"\nraw figures: {out}")
    finally:
        if front is not None:
            front.stop()
        server.stop()


def _at(gaps: list[float], at: float) -> float:
    ordered = sorted(gaps) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * at))]


def summary(results: dict[str, list[dict]]) -> None:
    """The rounds side by side: first complete frame and pan/zoom frame times per route."""
    print("\n== summary (median over the rounds of each figure; each round's figures above)")
    print(f"{'copy/route':18s} {'first frame':>11s} {'chunk span':>10s} {'requests':>8s}"
          f" {'pan med/p95/max':>16s} {'zoom med/p95/max':>17s}   (ms)")  # fmt: skip
    for key, runs in results.items():
        first = [run["first"] for run in runs]
        complete = statistics.median(f["first_complete_ms"] for f in first)
        span = statistics.median(f["last_arrival_ms"] - f["first_request_ms"] for f in first)
        requests = statistics.median(f["requests"] for f in first)
        frames = {
            kind: "/".join(
                f"{statistics.median(_at(run[kind]['gaps'], at) for run in runs):.0f}"
                for at in (0.5, 0.95, 1.0)
            )
            for kind in ("pan", "zoom")
        }
        print(
            f"{key:18s} {complete:11.0f} {span:10.0f} {requests:8.0f} "
            f"{frames['pan']:>16s} {frames['zoom']:>17s}"
        )
        rounds = ", ".join(f"{f['first_complete_ms']:.0f}" for f in first)
        print(f"{'':18s} first frames of the rounds: {rounds} ms")


if __name__ == "__main__":
    main()
