"""Which array a request means: ``expIndex``/``dataIndex`` or an analysis and its output."""

from __future__ import annotations

from dataclasses import dataclass

from voxhub.catalog.index import DatasetEntry
from voxhub.hub import Hub
from voxhub.openmsi.analyses import find_analysis, output_target
from voxhub.openmsi.errors import BadParameter, DataNotFound, MissingParameter
from voxhub.openmsi.targets import Target, check_experiment, data_items, open_item, resolve_data


@dataclass(frozen=True)
class Address:
    """OpenMSI's addressing parameters, parsed.

    An analysis (``anaIndex`` or ``anaIdentifier``) wins over ``dataIndex``;
    ``anaDataName`` picks one of its outputs, else ``viewerOption`` picks
    among its cubes (0: the primary one). ``dataIndex`` is 0 when not given
    (so ``qslice?file=…&mz=…`` reads the first data item). ``expIndex``
    picks an experiment of an imported OpenMSI file that held several; not
    given, ``dataIndex`` counts every data item of the dataset.
    """

    exp_index: int | None = None
    data_index: int | None = None
    ana_index: int | None = None
    ana_identifier: str | None = None
    ana_data_name: str | None = None
    viewer_option: int = 0

    @property
    def is_analysis(self) -> bool:
        return self.ana_index is not None or self.ana_identifier is not None


def resolve(hub: Hub, entry: DatasetEntry, address: Address) -> Target:
    """The target ``address`` names in ``entry``."""
    if address.exp_index is not None and address.exp_index > 0 and not address.is_analysis:
        return _other_experiment(entry, address.exp_index, address.data_index or 0)
    check_experiment(address.exp_index)
    if address.is_analysis:
        if address.ana_index is not None and address.ana_index < 0:
            raise BadParameter(f"anaIndex: must be 0 or more, got {address.ana_index}")
        info = find_analysis(hub, entry, address.ana_index, address.ana_identifier)
        return output_target(info, address.ana_data_name, address.viewer_option)
    if address.ana_data_name is not None:
        raise MissingParameter("anaIndex: anaDataName needs anaIndex or anaIdentifier")
    return resolve_data(entry, address.exp_index, address.data_index or 0)


def _experiment_of(target: Target) -> tuple[int, int] | None:
    """The (expIndex, dataIndex) an MSI layer had in the OpenMSI file it came from."""
    source = target.metadata.source if target.metadata is not None else {}
    exp, data = source.get("exp_index"), source.get("data_index")
    return (exp, data) if isinstance(exp, int) and isinstance(data, int) else None


def _other_experiment(entry: DatasetEntry, exp_index: int, data_index: int) -> Target:
    """Experiment ``exp_index`` (> 0) of an imported OpenMSI file: its ``data_index`` cube."""
    found: list[int] = []
    for item in data_items(entry):
        target = open_item(entry, item)
        origin = _experiment_of(target)
        if origin is not None and origin[0] == exp_index:
            if origin[1] == data_index:
                return target
            found.append(origin[1])
    if not found:
        raise DataNotFound(f"expIndex: experiment {exp_index} not found")
    raise DataNotFound(
        f"dataIndex: experiment {exp_index} has no data {data_index} (it has {sorted(found)})"
    )


__all__ = ["Address", "resolve"]
