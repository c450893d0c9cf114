"""Which array a request means: ``expIndex``/``dataIndex`` or an analysis and its output."""

from __future__ import annotations

from dataclasses import dataclass

from voxhub.catalog.index import DatasetEntry
from voxhub.hub import Hub
from voxhub.openmsi.analyses import find_analysis, output_target
from voxhub.openmsi.errors import BadParameter, MissingParameter
from voxhub.openmsi.targets import Target, check_experiment, resolve_data


@dataclass(frozen=True)
class Address:
    """OpenMSI's addressing parameters, parsed.

    An analysis (``anaIndex`` or ``anaIdentifier``) wins over ``dataIndex``;
    ``anaDataName`` picks one of its outputs, else ``viewerOption`` picks
    among its cubes (0: the primary one). ``expIndex`` is 0 when not given.
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
    check_experiment(address.exp_index)
    if address.is_analysis:
        if address.ana_index is not None and address.ana_index < 0:
            raise BadParameter(f"anaIndex: must be 0 or more, got {address.ana_index}")
        info = find_analysis(hub, entry, address.ana_index, address.ana_identifier)
        return output_target(info, address.ana_data_name, address.viewer_option)
    if address.ana_data_name is not None:
        raise MissingParameter("anaIndex: anaDataName needs anaIndex or anaIdentifier")
    if address.data_index is None:
        raise MissingParameter(
            "dataIndex: give dataIndex (a data item) or anaIndex/anaIdentifier (an analysis)"
        )
    return resolve_data(entry, address.exp_index, address.data_index)


__all__ = ["Address", "resolve"]
