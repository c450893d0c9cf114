"""ISA-XLSX and ISA-JSON speed: voxhub.isa against ARCtrl 3.2's Python package (``arctrl``).

One assay table (default 50 000 rows × 20 columns: Input, Protocol REF,
characteristics, unitized parameters and factors, components, comments,
Output) is built in both libraries from the same values, then each library
writes and reads it as an assay workbook (isa.assay.xlsx) and as ISA-JSON
(an investigation with one study registering the assay). voxhub runs in this
process; ARCtrl 3.2 needs Python >= 3.12 and runs in its own venv
(``make interop-arc`` creates ``.venv-arctrl``) as a second process on the
same files, one after the other; the ratios are what to look at, with each
side's peak RSS::

    .venv/bin/python benchmarks/bench_isa.py [--rows 50000] [--repeat 1]

Before timing, each library's read result is checked against the table it
wrote, so a fast wrong answer cannot win.

ARCtrl's readers and ISA-JSON writer grow faster than linearly (measured here:
doubling 1 000 → 2 000 rows takes its xlsx read from 50 s to 192 s), so at
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
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

COLUMNS = [
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
    """The 20 cell values of one row, library-neutral: (kind, payload)."""
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


def voxhub_ops(inv, folder: Path) -> dict[str, Callable[[], Any]]:
    from voxhub.isa.isajson import dumps, loads
    from voxhub.isa.xlsx import read_assay, write_assay

    assay = inv.get_assay("bench")
    path = folder / "voxhub.isa.assay.xlsx"
    state: dict[str, Any] = {}

    def xlsx_write() -> None:
        path.write_bytes(write_assay(assay))

    def xlsx_read() -> Any:
        state["xlsx"] = read_assay(path.read_bytes(), str(path))
        return state["xlsx"]

    def json_write() -> None:
        state["json"] = dumps(inv)

    def json_read() -> Any:
        return loads(state["json"])

    return {
        "xlsx write": xlsx_write,
        "xlsx read": xlsx_read,
        "json write": json_write,
        "json read": json_read,
    }


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


def timed(func: Callable[[], Any], repeat: int, budget: float | None) -> tuple[float, Any, bool]:
    """Best time of ``repeat`` runs, the last result, and whether it finished in ``budget``."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        if budget:
            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, budget)
        start = time.perf_counter()
        try:
            result = func()
        except OverBudget:
            return budget or 0.0, None, False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        best = min(best, time.perf_counter() - start)
    return best, result, True


ARCTRL_PYTHON = Path(__file__).parents[1] / ".venv-arctrl" / "bin" / "python"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per operation")
    parser.add_argument(
        "--budget", type=float, default=120, help="seconds allowed per ARCtrl operation (0: none)"
    )
    parser.add_argument("--skip-arctrl", action="store_true", help="time voxhub only")
    parser.add_argument("--arctrl-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.arctrl_worker:
        return arctrl_worker(args)
    print(f"assay table: {args.rows} rows x {len(COLUMNS)} columns")
    results: dict[str, dict[str, tuple[float, bool]]] = {}
    rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        ours = build_voxhub(args.rows)
        print(f"voxhub: built the table in {time.perf_counter() - start:.1f} s", flush=True)
        results["voxhub"] = run("voxhub", voxhub_ops(ours, folder), args.repeat, None, args.rows)
        rss["voxhub"] = peak_rss_mb()
        if not args.skip_arctrl and not ARCTRL_PYTHON.exists():
            print("(no .venv-arctrl: run `make interop-arc` to compare with ARCtrl 3.2)")
        elif not args.skip_arctrl:
            from voxhub.isa.isajson import dumps

            (folder / "voxhub.json").write_text(dumps(ours), encoding="utf-8")
            del ours
            worker = subprocess.run(
                [str(ARCTRL_PYTHON), __file__, "--arctrl-worker", "--folder", str(folder)]
                + ["--rows", str(args.rows), "--repeat", str(args.repeat)]
                + ["--budget", str(args.budget)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for line in worker.stdout.splitlines():
                if line.startswith("RESULT "):
                    found = json.loads(line[len("RESULT ") :])
                    results["arctrl"] = {k: tuple(v) for k, v in found["ops"].items()}
                    rss["arctrl"] = found["rss"]
                else:
                    print(line, flush=True)
    print("\npeak RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    if "arctrl" in results:
        print("ratio arctrl / voxhub (> 1: voxhub is faster; '>' : ARCtrl ran out of budget)")
        for op, (mine, _) in results["voxhub"].items():
            theirs_s, finished = results["arctrl"][op]
            mark = " " if finished else ">"
            print(f"  {op:10s} {mark}{theirs_s / mine:8.1f}x")
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
    """Both libraries must read back what they wrote (first and last rows compared)."""
    expected = [cell_values(r) for r in (0, rows - 1)]
    if name == "voxhub":
        got = voxhub_rows(assay.tables.get("Imaging"))
    else:
        got = arctrl_rows(assay.GetTable("Imaging"))
    want = [
        [p if k == "text" else (p[0] if k == "term" else p[0]) for k, p in vals]
        for vals in expected
    ]
    if len(got) != rows or [got[0], got[-1]] != want:
        raise SystemExit(f"{name} read back a different table")


if __name__ == "__main__":
    sys.exit(main())
