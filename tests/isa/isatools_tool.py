"""isatools' side of the interop test, run with the isatools venv's Python
(``make interop-isatools``)::

    .venv-isatools/bin/python tests/isa/isatools_tool.py FILE

Validates an ISA-JSON file, loads it, and prints one JSON document: the validator's
errors and, per study, its processes' inputs and outputs and per assay the same.
"""

from __future__ import annotations

import json
import sys

from isatools import isajson


def _names(nodes):
    return [getattr(n, "name", "") or getattr(n, "filename", "") for n in nodes]


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        report = isajson.validate(fh, log_level=50)
    with open(path, encoding="utf-8") as fh:
        inv = isajson.load(fh)
    out = {
        "errors": [[e.get("message"), str(e.get("supplemental"))] for e in report["errors"]],
        "studies": {
            s.identifier: {
                "processes": [[_names(p.inputs), _names(p.outputs)] for p in s.process_sequence],
                "factor_values": {
                    o.name: [str(fv.value) for fv in o.factor_values]
                    for p in s.process_sequence
                    for o in p.outputs
                    if hasattr(o, "factor_values")
                },
                "assays": [
                    [[_names(p.inputs), _names(p.outputs)] for p in a.process_sequence]
                    for a in s.assays
                ],
            }
            for s in inv.studies
        },
    }
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
