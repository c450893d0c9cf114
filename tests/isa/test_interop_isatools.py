"""isatools (the ISA reference tools) validates voxhub's ISA-JSON and loads it.

isatools runs in its own venv (``make interop-isatools``) through ``isatools_tool.py``.
"""

import json
import subprocess
from pathlib import Path

import pytest

from voxhub.isa import OntologyAnnotation
from voxhub.isa.isajson import dumps

from .sample import sample_investigation
from .test_isajson import _study_with_factor_and_assay_using_its_samples

ROOT = Path(__file__).parents[2]
PYTHON = ROOT / ".venv-isatools" / "bin" / "python"
TOOL = Path(__file__).with_name("isatools_tool.py")


def isatools(path: Path) -> dict:
    assert PYTHON.exists(), "run `make interop-isatools` (make test does) to create .venv-isatools"
    done = subprocess.run(
        [str(PYTHON), "-W", "ignore", str(TOOL), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _known_assay_type(assay) -> None:
    # isatools checks measurement/technology pairs against its own configurations
    assay.measurement_type = OntologyAnnotation("metabolite profiling", "OBI", "OBI:0000366")
    assay.technology_type = OntologyAnnotation("mass spectrometry", "OBI", "OBI:0000470")


@pytest.mark.parametrize("id_references", [False, True])
def test_isatools_validates_and_loads_voxhubs_isa_json(tmp_path, id_references):
    inv = sample_investigation()
    _known_assay_type(inv.get_assay("imaging"))
    path = tmp_path / "isa.json"
    path.write_text(dumps(inv, id_references=id_references), encoding="utf-8")
    found = isatools(path)
    assert found["errors"] == []
    growth = found["studies"]["growth"]
    assert growth["processes"][:2] == [[["plant 1"], ["leaf 1"]], [["plant 2"], ["leaf 2"]]]
    assert growth["assays"] == [
        [[["leaf 1"], ["images/leaf1.zarr"]], [["leaf 2"], ["images/leaf2.zarr#level=0"]]]
    ]


def test_isatools_loads_a_sample_with_factor_values_used_by_an_assay(tmp_path):
    """The sample the study makes (with factor values) and the one the assay uses are one
    (isatools' loader failed with KeyError when they had two ids)."""
    inv = _study_with_factor_and_assay_using_its_samples()
    _known_assay_type(inv.get_assay("A"))
    path = tmp_path / "isa.json"
    path.write_text(dumps(inv), encoding="utf-8")
    found = isatools(path)
    assert found["errors"] == []
    study = found["studies"]["S"]
    assert study["factor_values"] == {"s1": ["5"], "s2": ["9"]}
    assert study["assays"] == [[[["s1"], ["a.raw"]], [["s2"], ["b.raw"]]]]
