"""ISA-XLSX and ISA-JSON speed: voxhub.isa against ARCtrl 3.2's Python package (``arctrl``).

One assay table (default 50 000 rows x 12 columns, the shape of issue 15:
Input, Protocol REF, characteristics, unitized parameters, a component, a
factor, a comment, Output; ``--columns 20`` adds more of each) is built in
both libraries from the same values, then each library writes and reads it
as an assay workbook (isa.assay.xlsx) and as ISA-JSON (an investigation with
one study registering the assay). Each voxhub operation runs in a fresh
process, so its peak RSS (``ru_maxrss``, a process-lifetime figure) is that
operation's alone: the model it writes or the text it reads plus the work.
ARCtrl 3.2 needs Python >= 3.12 and runs in its own venv (``make
interop-arc`` creates ``.venv-arctrl``) as a second process on the same
files; the ratios are what to look at::

    .venv/bin/python benchmarks/bench_isa.py [--rows 50000] [--columns 12] [--repeat 1]
    .venv/bin/python benchmarks/bench_isa.py --no-arctrl     # voxhub only

Before timing is trusted, each library's read result is checked against the
table it wrote, so a fast wrong answer cannot win.

ARCtrl's readers and ISA-JSON writer grow faster than linearly (measured here:
doubling 1 000 -> 2 000 rows takes its xlsx read from 50 s to 192 s), so at
50 000 rows a single operation would run for hours. Each ARCtrl operation
therefore gets a time budget (``--budget``, seconds); one that runs over is
stopped and reported as "> budget", which makes its ratio a lower bound.
When an ARCtrl writer was stopped, its reader is timed on the file voxhub
wrote for the same table (ARCtrl reads both). ``--rows 2000``
gives a run where every ARCtrl operation finishes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

COLUMNS_20 = [
    ("input", "Source Name"),
    ("protocol_ref", None),
    ("characteristic", ("organism", "OBI", "OBI:0100026")),
    ("characteristic", ("genotype", "EFO", "EFO:0000513")),
    ("characteristic", ("organism part", "EFO", "EFO:0000635")),
    ("characteristic", ("age", "EFO", "EFO:0000246")),
    ("characteristic", ("sex", "PATO", "PATO:0000047")),
    ("parameter", ("temperature", "PATO", "PATO:0000146")),
    ("parameter", ("time", "EFO", "EFO:0000721")),
    ("parameter", ("concentration", "PATO", "PATO:0000033")),
    ("parameter", ("volume", "PATO", "PATO:0000918")),
    ("parameter", ("voxel size", "NCIT", "NCIT:C0000001")),
    ("parameter", ("exposure", "NCIT", "NCIT:C0000002")),
    ("component", ("microscope", "OBI", "OBI:0000001")),
    ("component", ("objective", "OBI", "OBI:0000002")),
    ("factor", ("dose", "EFO", "EFO:0000428")),
    ("factor", ("time point", "EFO", "EFO:0000724")),
    ("comment", "operator"),
    ("comment", "note"),
    ("output", "Sample Name"),
]
# Issue 15's shape: every kind of column once or more, 12 in all.
_IN_12 = {0, 1, 2, 3, 4, 7, 8, 9, 13, 15, 17, 19}
COLUMNS_12 = [c for i, c in enumerate(COLUMNS_20) if i in _IN_12]
SHAPES = {12: COLUMNS_12, 20: COLUMNS_20}
COLUMNS = COLUMNS_12  # set by --columns before anything is built
UNITS = [
    ("degree Celsius", "UO", "UO:0000027"),
    ("hour", "UO", "UO:0000032"),
    ("millimolar", "UO", "UO:0000063"),
    ("microliter", "UO", "UO:0000101"),
    ("micrometer", "UO", "UO:0000017"),
    ("millisecond", "UO", "UO:0000028"),
]
ORGANISMS = [
    ("Homo sapiens", "NCBITaxon", "NCBITaxon:9606"),
    ("Mus musculus", "NCBITaxon", "NCBITaxon:10090"),
]


def cell_values(row: int) -> list[tuple[str, Any]]:
    """The cell values of one row, library-neutral: (kind, payload)."""
    values: list[tuple[str, Any]] = []
    p = 0
    for kind, spec in COLUMNS:
        if kind in ("input", "output"):
            values.append(("text", f"{'src' if kind == 'input' else 'sample'}-{row:06d}"))
        elif kind == "protocol_ref":
            values.append(("text", "light sheet imaging"))
        elif kind == "characteristic":
            name = spec[0]
            if name == "organism":
                values.append(("term", ORGANISMS[row % 2]))
            else:
                values.append(("term", (f"{name} {row % 17}", "", "")))
        elif kind in ("parameter", "factor"):
            unit = UNITS[p % len(UNITS)]
            p += 1
            values.append(("unit", (f"{(row * (p + 3)) % 997 / 10}", unit)))
        elif kind == "component":
            values.append(("term", (f"{spec[0]} model {row % 3}", "OBI", f"OBI:000{row % 3}")))
        else:
            values.append(("text", f"{spec} {row % 101}"))
    return values


# -- voxhub ---------------------------------------------------------------------------
def build_voxhub(rows: int):
    from voxhub.isa import (
        ArcAssay,
        ArcInvestigation,
        ArcStudy,
        ArcTable,
        CompositeCell,
        CompositeHeader,
        IOType,
        OntologyAnnotation,
    )

    headers = []
    for kind, spec in COLUMNS:
        if kind == "input":
            headers.append(CompositeHeader.input(IOType.source()))
        elif kind == "output":
            headers.append(CompositeHeader.output(IOType.sample()))
        elif kind == "protocol_ref":
            headers.append(CompositeHeader.protocol_ref())
        elif kind == "comment":
            headers.append(CompositeHeader.comment(spec))
        else:
            make = getattr(CompositeHeader, kind)
            headers.append(make(OntologyAnnotation(*spec)))
    columns: list[list[Any]] = [[] for _ in headers]
    for r in range(rows):
        for c, (kind, payload) in enumerate(cell_values(r)):
            if kind == "text":
                columns[c].append(CompositeCell.create_free_text(payload))
            elif kind == "term":
                columns[c].append(CompositeCell.create_term(OntologyAnnotation(*payload)))
            else:
                value, unit = payload
                columns[c].append(CompositeCell.create_unitized(value, OntologyAnnotation(*unit)))
    assay = ArcAssay("bench", tables=[ArcTable("Imaging", zip(headers, columns, strict=True))])
    inv = ArcInvestigation("bench")
    inv.add_study(ArcStudy("S"))
    inv.add_assay(assay, register_in=["S"])
    return inv


def voxhub_op(op: str, rows: int, folder: Path) -> Callable[[], Any]:
    """One voxhub operation, set up (model built, input file loaded) but not yet run.

    The writers leave their output in ``folder`` for the readers (and for ARCtrl
    when its own writer runs out of budget).
    """
    from voxhub.isa.isajson import dump, loads
    from voxhub.isa.xlsx import read_assay, write_assay

    xlsx, json_file = folder / "voxhub.isa.assay.xlsx", folder / "voxhub.json"
    if op == "xlsx write":
        assay = build_voxhub(rows).get_assay("bench")
        return lambda: xlsx.write_bytes(write_assay(assay))
    if op == "json write":
        inv = build_voxhub(rows)

        def json_write() -> None:
            with json_file.open("wb") as f:
                dump(inv, f)

        return json_write
    if op == "xlsx read":
        data = xlsx.read_bytes()
        return lambda: read_assay(data, str(xlsx))
    # bytes, as an upload arrives: a str would hold the text twice while it is decoded
    data = json_file.read_bytes()
    return lambda: loads(data).get_assay("bench")


VOXHUB_OPS = ("xlsx write", "xlsx read", "json write", "json read")


def voxhub_rows(table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.iter_rows()]


# -- arctrl ---------------------------------------------------------------------------
def build_arctrl(rows: int):
    from arctrl import (
        ArcAssay,
        ArcInvestigation,
        ArcStudy,
        CompositeCell,
        CompositeHeader,
        IOType,
        OntologyAnnotation,
    )

    inv = ArcInvestigation("bench")
    study = ArcStudy("S")
    inv.AddStudy(study)
    inv.RegisterStudy("S")
    assay = ArcAssay("bench")
    inv.AddAssay(assay)
    study.RegisterAssay("bench")
    table = assay.InitTable("Imaging")
    all_values = [cell_values(r) for r in range(rows)]
    for c, (kind, spec) in enumerate(COLUMNS):
        if kind == "input":
            header = CompositeHeader.input(IOType.source())
        elif kind == "output":
            header = CompositeHeader.output(IOType.sample())
        elif kind == "protocol_ref":
            header = CompositeHeader.protocol_ref()
        elif kind == "comment":
            header = CompositeHeader.comment(spec)
        else:
            header = getattr(CompositeHeader, kind)(OntologyAnnotation(*spec))
        cells = []
        for values in all_values:
            vkind, payload = values[c]
            if vkind == "text":
                cells.append(CompositeCell.free_text(payload))
            elif vkind == "term":
                cells.append(CompositeCell.create_term(OntologyAnnotation(*payload)))
            else:
                value, unit = payload
                cells.append(CompositeCell.create_unitized(value, OntologyAnnotation(*unit)))
        table.AddColumn(header, cells)
    return inv


def arctrl_ops(
    inv, folder: Path, fallback_xlsx: Path, fallback_json: Callable[[], str]
) -> dict[str, Callable[[], Any]]:
    from arctrl import JsonController, XlsxController

    assay = inv.GetAssay("bench")
    path = folder / "arctrl.isa.assay.xlsx"
    state: dict[str, Any] = {}

    def xlsx_write() -> None:
        try:
            XlsxController.Assay.to_xlsx_file(str(path), assay)
        except OverBudget:
            path.unlink(missing_ok=True)  # a stopped save leaves half a file
            raise

    def xlsx_read() -> Any:
        if not path.exists():
            print("  (arctrl xlsx read runs on the workbook voxhub wrote)", flush=True)
            path.write_bytes(fallback_xlsx.read_bytes())
        state["xlsx"] = XlsxController.Assay.from_xlsx_file(str(path))
        return state["xlsx"]

    def json_write() -> None:
        state["json"] = JsonController.Investigation.to_isajson_string(inv)

    def json_read() -> Any:
        if "json" not in state:
            print("  (arctrl json read runs on the JSON voxhub wrote)", flush=True)
            state["json"] = fallback_json()
        return JsonController.Investigation.from_isajson_string(state["json"])

    return {
        "xlsx write": xlsx_write,
        "xlsx read": xlsx_read,
        "json write": json_write,
        "json read": json_read,
    }


def arctrl_rows(table) -> list[list[str]]:
    def text(cell) -> str:
        if cell.tag == 0:
            return cell.fields[0].Name or ""
        if cell.tag == 2:
            return cell.fields[0] or ""
        if cell.tag == 3:
            return cell.fields[0].Name or ""
        return cell.fields[0] or ""

    return [
        [text(table.GetCellAt(c, r)) for c in range(table.ColumnCount)]
        for r in range(table.RowCount)
    ]


# -- running ----------------------------------------------------------------------------
class OverBudget(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


def _alarm(signum: int, frame: Any) -> None:
    raise OverBudget


# CPU seconds of the last timed() call's best run (the collection before each run left out)
last_cpu = 0.0


def timed(func: Callable[[], Any], repeat: int, budget: float | None) -> tuple[float, Any, bool]:
    """Best time of ``repeat`` runs, the last result, and whether it finished in ``budget``."""
    global last_cpu
    best, result, last_cpu = float("inf"), None, float("inf")
    for _ in range(repeat):
        gc.collect()
        if budget:
            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, budget)
        cpu, start = time.process_time(), time.perf_counter()
        try:
            result = func()
        except OverBudget:
            return budget or 0.0, None, False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        best = min(best, time.perf_counter() - start)
        last_cpu = min(last_cpu, time.process_time() - cpu)
    return best, result, True


ARCTRL_PYTHON = Path(__file__).parents[1] / ".venv-arctrl" / "bin" / "python"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The resident set now (Linux), to tell an operation's own memory from its input's."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def voxhub_worker(args: argparse.Namespace) -> int:
    """One voxhub operation in a process of its own, so that its peak RSS is its own."""
    run_op = voxhub_op(args.voxhub_op, args.rows, Path(args.folder))
    gc.collect()
    before = rss_mb()
    seconds, result, _ = timed(run_op, args.repeat, None)
    # CPU seconds too: on a machine shared with other work, wall time says little
    cpu = last_cpu  # the best run's, without the collection timed() runs before it
    if args.voxhub_op.endswith("read"):
        check("voxhub", result, args.rows)
    found = {"seconds": seconds, "cpu": cpu, "before": before, "peak": peak_rss_mb()}
    print("RESULT " + json.dumps(found), flush=True)
    return 0


def run_voxhub(args: argparse.Namespace, folder: Path) -> dict[str, dict[str, float]]:
    found = {}
    for op in VOXHUB_OPS:
        worker = subprocess.run(
            [sys.executable, __file__, "--voxhub-op", op, "--folder", str(folder)]
            + ["--rows", str(args.rows), "--repeat", str(args.repeat)]
            + ["--columns", str(args.columns)],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        line = next(x for x in worker.stdout.splitlines() if x.startswith("RESULT "))
        found[op] = json.loads(line[len("RESULT ") :])
        f = found[op]
        print(
            f"  voxhub  {op:10s} {f['seconds']:8.2f} s ({f['cpu']:.2f} s CPU)"
            f"   peak RSS {f['peak']:6.0f} MB (input/model {f['before']:.0f} MB)",
            flush=True,
        )
    return found


def arctrl_worker(args: argparse.Namespace) -> int:
    """The ARCtrl half, run by .venv-arctrl's Python on the files voxhub wrote."""
    folder = Path(args.folder)
    start = time.perf_counter()
    theirs = build_arctrl(args.rows)
    print(f"arctrl: built the table in {time.perf_counter() - start:.1f} s", flush=True)
    ops = arctrl_ops(
        theirs,
        folder,
        folder / "voxhub.isa.assay.xlsx",
        lambda: (folder / "voxhub.json").read_text(encoding="utf-8"),
    )
    results = run("arctrl", ops, args.repeat, args.budget, args.rows)
    print("RESULT " + json.dumps({"ops": results, "rss": peak_rss_mb()}), flush=True)
    return 0


def main() -> int:
    global COLUMNS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--columns", type=int, choices=sorted(SHAPES), default=12)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per operation")
    parser.add_argument(
        "--budget", type=float, default=120, help="seconds allowed per ARCtrl operation (0: none)"
    )
    parser.add_argument(
        "--no-arctrl", "--skip-arctrl", action="store_true", help="time voxhub only"
    )
    parser.add_argument("--arctrl-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--voxhub-op", choices=VOXHUB_OPS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    COLUMNS = SHAPES[args.columns]
    if args.arctrl_worker:
        return arctrl_worker(args)
    if args.voxhub_op:
        return voxhub_worker(args)
    print(f"assay table: {args.rows} rows x {len(COLUMNS)} columns")
    arctrl: dict[str, tuple[float, bool]] = {}
    arctrl_rss = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        voxhub = run_voxhub(args, folder)
        size = (folder / "voxhub.json").stat().st_size
        print(f"  (ISA-JSON {size / 2**20:.0f} MB, {size / args.rows / 1024:.1f} kB/row)")
        if not args.no_arctrl and not ARCTRL_PYTHON.exists():
            print("(no .venv-arctrl: run `make interop-arc` to compare with ARCtrl 3.2)")
        elif not args.no_arctrl:
            worker = subprocess.run(
                [str(ARCTRL_PYTHON), __file__, "--arctrl-worker", "--folder", str(folder)]
                + ["--rows", str(args.rows), "--repeat", str(args.repeat)]
                + ["--budget", str(args.budget), "--columns", str(args.columns)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for line in worker.stdout.splitlines():
                if line.startswith("RESULT "):
                    found = json.loads(line[len("RESULT ") :])
                    arctrl = {k: tuple(v) for k, v in found["ops"].items()}
                    arctrl_rss = found["rss"]
                else:
                    print(line, flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'operation':10s} {'voxhub s':>9s} {'CPU s':>6s} {'peak MB':>8s}", end="")
    print(f" {'arctrl s':>9s} {'ratio':>7s}" if arctrl else "")
    for op, mine in voxhub.items():
        print(f"{op:10s} {mine['seconds']:9.2f} {mine['cpu']:6.2f} {mine['peak']:8.0f}", end="")
        if op in arctrl:
            theirs_s, finished = arctrl[op]
            mark = " " if finished else ">"
            print(f" {mark}{theirs_s:8.1f} {mark}{theirs_s / mine['seconds']:5.1f}x")
        else:
            print()
    if arctrl:
        print(f"arctrl peak RSS (whole run, one process): {arctrl_rss:.0f} MB")
        print("ratio = arctrl / voxhub (> 1: voxhub is faster; '>': ARCtrl ran out of budget)")
    return 0


def run(name: str, ops: dict[str, Callable[[], Any]], repeat: int, budget: float | None, rows: int):
    found = {}
    for op, func in ops.items():
        seconds, result, finished = timed(func, repeat, budget)
        found[op] = (seconds, finished)
        shown = f"{seconds:8.2f} s" if finished else f"> {seconds:g} s (stopped)"
        print(f"  {name:7s} {op:10s} {shown}", flush=True)
        if op == "xlsx read" and finished:
            check(name, result, rows)
    return found


def check(name: str, assay: Any, rows: int) -> None:
    """Both libraries must read back what they wrote (first and last rows compared).

    Each row's texts are compared as a sorted list: ISA-JSON comes back in ARCtrl's
    column order (components before parameters), which need not be the order written.
    """
    expected = [cell_values(r) for r in (0, rows - 1)]
    if name == "voxhub":
        got = voxhub_rows(assay.tables.get("Imaging"))
    else:
        got = arctrl_rows(assay.GetTable("Imaging"))
    want = [sorted(p if k == "text" else p[0] for k, p in vals) for vals in expected]
    if len(got) != rows or [sorted(got[0]), sorted(got[-1])] != want:
        raise SystemExit(f"{name} read back a different table")


if __name__ == "__main__":
    sys.exit(main())
