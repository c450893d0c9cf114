import pytest

from voxhub.arrays.errors import BadMag
from voxhub.arrays.mag import Mag, pyramid_mags, shape_at


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", Mag(1, 1, 1)), ("2-2-1", Mag(2, 2, 1)), ("4", Mag(4, 4, 4)), ([8, 8, 4], Mag(8, 8, 4))],
)
def test_parse(text, expected):
    assert Mag.parse(text) == expected


@pytest.mark.parametrize("bad", ["0", "3", "2-2", "a-b-c", [2, 2, -1]])
def test_parse_rejects_bad_mags(bad):
    with pytest.raises(BadMag):
        Mag.parse(bad)


def test_layer_names_follow_webknossos():
    assert Mag(2, 2, 2).to_layer_name() == "2"
    assert Mag(2, 2, 1).to_layer_name() == "2-2-1"


def test_anisotropic_pyramid_halves_z_once_xy_reach_it():
    mags = pyramid_mags((11, 11, 24), (512, 512, 128), (64, 64, 64))
    assert [m.to_layer_name() for m in mags] == ["1", "2-2-1", "4-4-2", "8-8-4"]


def test_strongly_anisotropic_pyramid_keeps_z_longer():
    mags = pyramid_mags((5, 5, 40), (4096, 4096, 100), (64, 64, 64))
    assert mags[1:4] == [Mag(2, 2, 1), Mag(4, 4, 1), Mag(8, 8, 1)]
    assert mags[4] == Mag(16, 16, 2)


def test_pyramid_ends_when_one_chunk_holds_the_level():
    mags = pyramid_mags((1, 1, 1), (1000, 300, 70), (64, 64, 64))
    assert all(s <= 64 for s in shape_at((1000, 300, 70), mags[-1]))
    assert any(s > 64 for s in shape_at((1000, 300, 70), mags[-2]))


def test_flat_images_never_downsample_z():
    mags = pyramid_mags((1, 1, 1), (500, 500, 1), (64, 64, 64))
    assert all(m.z == 1 for m in mags)


WK_MAGS = """
import json, sys
from webknossos import Mag
from webknossos.dataset.layer._downsampling_utils import calculate_mags_to_downsample
out = {}
for case in json.loads(sys.argv[1]):
    mags = calculate_mags_to_downsample(Mag(1), Mag(case["coarsest"]), None, case["voxel_size"])
    out[json.dumps(case["voxel_size"])] = [m.to_layer_name() for m in mags]
print(json.dumps(out))
"""


def test_anisotropic_mags_are_the_ones_webknossos_libs_computes():
    """webknossos-libs' anisotropic sampling (Layer.downsample), run in its own venv."""
    import json
    import subprocess

    from tests.helpers import INTEROP_PYTHON

    assert INTEROP_PYTHON.exists(), "run `make interop` (make test does) to create .venv-interop"
    ours = {}
    cases = []
    for voxel_size in ([2, 3, 9], [5, 10, 20], [11, 11, 24], [1, 1, 1], [4, 4, 40]):
        mags = pyramid_mags(voxel_size, (4096, 4096, 4096), (64, 64, 64))
        ours[json.dumps(voxel_size)] = [m.to_layer_name() for m in mags[1:]]
        cases.append({"voxel_size": voxel_size, "coarsest": max(mags[-1].to_list())})
    result = subprocess.run(
        [str(INTEROP_PYTHON), "-W", "ignore", "-c", WK_MAGS, json.dumps(cases)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ours
    # several mags never share a largest factor (WEBKNOSSOS tells mags apart by it)
    for names in ours.values():
        largest = [max(Mag.parse(n).to_list()) for n in names]
        assert len(set(largest)) == len(largest)
