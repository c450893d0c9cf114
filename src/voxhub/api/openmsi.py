"""``/openmsi``: OpenMSI's data-access URLs (qslice, qspectrum, qcube, qmz/qaxes, qmetadata).

``file`` names a voxhub dataset ``org/name``; every other parameter keeps
OpenMSI's name and meaning (see ``voxhub.openmsi``), OpenMSI's documented
aliases included (``x``/``y``/``z`` for ``row``/``col``/``mz``, ``zmin``/``zmax``,
``normalize=0|1``, ``mtype=filelist``). A parameter a query does not know is
refused with a 400 naming it, never silently ignored; each URL also answers
with a trailing slash (``/openmsi/qslice/``), as OpenMSI's do. Each handler parses,
asks ``can()`` (through ``authorize_dataset``) before reading, calls the
query service and encodes the answer as JSON, PNG, HDF5 or NPY. Handlers are
plain functions: FastAPI runs them in its thread pool, off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.dependencies.models import Dependant

from voxhub.api.deps import HubDep, PrincipalDep, authorize_dataset
from voxhub.api.fields import Int64
from voxhub.arrays.operations import OperationLimits
from voxhub.arrays.selection import SelectionLimits
from voxhub.catalog.index import DatasetEntry
from voxhub.openmsi import metadata, queries
from voxhub.openmsi.address import Address, resolve
from voxhub.openmsi.encode import Encoded, encode, json_bytes, parse_format, rounded
from voxhub.openmsi.errors import BadParameter, MissingParameter

router = APIRouter(prefix="/openmsi", tags=["openmsi"])
# Accepted on every route: credentials (``voxhub.api.deps``, share links).
CREDENTIAL_PARAMETERS = frozenset({"token", "sharingToken"})
Text = Annotated[str | None, Query()]
# OpenMSI's clients also say x, y, z for row, col, mz
RowName = Annotated[str | None, Query(description="OpenMSI's name for row")]
ColName = Annotated[str | None, Query(description="OpenMSI's name for col")]
MzName = Annotated[str | None, Query(description="OpenMSI's name for mz")]


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def known_parameters(request: Request) -> None:
    """Refuse a query parameter the route does not take (OpenMSI's unknown names included)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant) | CREDENTIAL_PARAMETERS
    for name in request.query_params:
        if name not in known:
            path = getattr(route, "path", "this query").rstrip("/")
            raise BadParameter(
                f"{name}: {path} takes no such parameter (it takes {', '.join(sorted(known))})"
            )


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def query_route(path: str) -> Callable[[Endpoint], Endpoint]:
    """``GET path`` and ``GET path/`` (OpenMSI's own form), both refusing unknown parameters."""

    def decorate(function: Endpoint) -> Endpoint:
        checked = [Depends(known_parameters)]
        router.get(f"{path}/", include_in_schema=False, dependencies=checked)(function)
        return router.get(path, dependencies=checked)(function)

    return decorate


def either(name: str, value: str | None, alias: str, alias_value: str | None) -> str | None:
    """A parameter given by its voxhub name or by OpenMSI's alias, not both."""
    if value is not None and alias_value is not None:
        raise BadParameter(f"{alias}: give {name} or {alias}, not both")
    return value if value is not None else alias_value


def axis_range(
    name: str, value: str | None, low: str | None, high: str | None, prefix: str
) -> str | None:
    """OpenMSI's ``zmin``/``zmax`` (and ``x…``, ``y…``): the selection ``low:high``."""
    if low is None and high is None:
        return value
    if value is not None:
        raise BadParameter(f"{prefix}min: give {name} or {prefix}min/{prefix}max, not both")
    for bound, text in ((f"{prefix}min", low), (f"{prefix}max", high)):
        if text is not None and not text.strip().lstrip("-").isdigit():
            raise BadParameter(f"{bound}: expected an index, got {text!r}")
    return f"{(low or '').strip()}:{(high or '').strip()}"


def dataset_of(
    hub: HubDep,
    principal: PrincipalDep,
    file: Annotated[str | None, Query(description="The dataset, as organization/name")] = None,
) -> DatasetEntry:
    """The dataset ``file`` names, if the caller may view it (a 404 otherwise)."""
    return authorize_dataset(hub, principal, *split_file(file))


def split_file(file: str | None) -> tuple[str, str]:
    """``file=organization/name`` as its two parts."""
    if file is None or not file.strip():
        raise MissingParameter("file: name the dataset as organization/name")
    organization, _, name = file.strip().strip("/").partition("/")
    if not organization or not name or "/" in name:
        raise BadParameter(f"file: expected organization/name, got {file!r}")
    return organization, name


def address_of(
    exp_index: Annotated[Int64 | None, Query(alias="expIndex", ge=0)] = None,
    data_index: Annotated[Int64 | None, Query(alias="dataIndex", ge=0)] = None,
    ana_index: Annotated[Int64 | None, Query(alias="anaIndex", ge=0)] = None,
    ana_identifier: Annotated[str | None, Query(alias="anaIdentifier")] = None,
    ana_data_name: Annotated[str | None, Query(alias="anaDataName")] = None,
    viewer_option: Annotated[Int64 | None, Query(alias="viewerOption", ge=0)] = None,
    qslice_option: Annotated[Int64 | None, Query(alias="qslice_viewerOption", ge=0)] = None,
    qspectrum_option: Annotated[Int64 | None, Query(alias="qspectrum_viewerOption", ge=0)] = None,
) -> Address:
    option = next((o for o in (viewer_option, qslice_option, qspectrum_option) if o), 0)
    return Address(exp_index, data_index, ana_index, ana_identifier, ana_data_name, option)


def limits_of(hub: HubDep) -> queries.QueryLimits:
    settings = hub.settings
    return queries.QueryLimits(
        SelectionLimits(settings.openmsi_max_elements, settings.openmsi_max_list_length),
        OperationLimits(
            max_input_elements=settings.openmsi_max_elements,
            max_elements=settings.openmsi_max_elements,
            max_seconds=settings.openmsi_max_seconds,
        ),
    )


DatasetDep = Annotated[DatasetEntry, Depends(dataset_of)]
AddressDep = Annotated[Address, Depends(address_of)]
LimitsDep = Annotated[queries.QueryLimits, Depends(limits_of)]
Format = Annotated[str | None, Query(alias="format", description="JSON (default), PNG, HDF5, NPY")]
Precision = Annotated[Int64 | None, Query(le=64, description="decimals of floats in the answer")]


def respond(encoded: Encoded) -> Response:
    disposition = (
        "inline" if encoded.media_type in ("application/json", "image/png") else "attachment"
    )
    headers = {"Content-Disposition": f'{disposition}; filename="{encoded.filename}"'}
    return Response(encoded.body, media_type=encoded.media_type, headers=headers)


@query_route("/qslice")
def qslice(
    hub: HubDep,
    entry: DatasetDep,
    address: AddressDep,
    limits: LimitsDep,
    mz: Text = None,
    z: MzName = None,
    operations: Text = None,
    reduction: Text = None,
    axis: Int64 | None = None,
    fmt: Format = None,
    precision: Precision = None,
    colormap: Annotated[str | None, Query(description="PNG: gray, viridis, hot, jet")] = None,
) -> Response:
    """Image slices at ``mz``; max-projected along m/z unless ``operations`` say otherwise."""
    form = parse_format(fmt)
    mz = either("mz", mz, "z", z)
    target = resolve(hub, entry, address)
    data = queries.qslice(
        target, mz, operations, png=form == "PNG", reduction=reduction, axis=axis, limits=limits
    )
    return respond(encode(rounded(data, precision), form, name="qslice", colormap=colormap))


@query_route("/qspectrum")
def qspectrum(
    hub: HubDep,
    entry: DatasetDep,
    address: AddressDep,
    limits: LimitsDep,
    row: Text = None,
    col: Text = None,
    x: RowName = None,
    y: ColName = None,
    row2: Text = None,
    col2: Text = None,
    operations: Text = None,
    operations1: Text = None,
    operations2: Text = None,
    operations_merge: Annotated[str | None, Query(alias="operationsMerge")] = None,
    reduction: Text = None,
    find_peaks: Annotated[str | None, Query(alias="findPeaks")] = None,
    normalize: Annotated[str | None, Query(description="max, tic, none; 1 = max, 0 = none")] = None,
    layout: Annotated[str, Query(description="default or hilbert")] = "default",
    fmt: Format = None,
    precision: Precision = None,
) -> Response:
    """Spectra at ``row``/``col`` (or their difference from ``row2``/``col2``)."""
    form = parse_format(fmt)
    row, col = either("row", row, "x", x), either("col", col, "y", y)
    normalize = queries.parse_normalize(normalize)
    peaks = queries.parse_flag(find_peaks, "findPeaks")
    queries.check_layout(layout)
    target = resolve(hub, entry, address)
    data = queries.qspectrum(
        target,
        row,
        col,
        operations=operations,
        operations1=operations1,
        row2=row2,
        col2=col2,
        operations2=operations2,
        operations_merge=operations_merge,
        png=form == "PNG",
        reduction=reduction,
        limits=limits,
    )
    result = queries.finish_spectrum(
        rounded(data, precision), target.axis, normalize=normalize, find_peaks=peaks, layout=layout
    )
    return respond(encode(result, form, name="qspectrum", primary="spectrum"))


@query_route("/qcube")
def qcube(
    hub: HubDep,
    entry: DatasetDep,
    address: AddressDep,
    limits: LimitsDep,
    row: Text = None,
    col: Text = None,
    mz: Text = None,
    x: RowName = None,
    y: ColName = None,
    z: MzName = None,
    xmin: Text = None,
    xmax: Text = None,
    ymin: Text = None,
    ymax: Text = None,
    zmin: Annotated[str | None, Query(description="mz=zmin:zmax (indices)")] = None,
    zmax: Text = None,
    operations: Text = None,
    reduction: Text = None,
    axis: Int64 | None = None,
    fmt: Format = None,
    precision: Precision = None,
) -> Response:
    """Any sub-cube of a data item or analysis output (``:`` on every axis not given)."""
    form = parse_format(fmt)
    row = axis_range("row", either("row", row, "x", x), xmin, xmax, "x")
    col = axis_range("col", either("col", col, "y", y), ymin, ymax, "y")
    mz = axis_range("mz", either("mz", mz, "z", z), zmin, zmax, "z")
    target = resolve(hub, entry, address)
    data = queries.qcube(
        target, row, col, mz, operations, reduction=reduction, axis=axis, limits=limits
    )
    return respond(encode(rounded(data, precision), form, name="qcube"))


@query_route("/qmz")
@query_route("/qaxes")  # OpenMSI's second name for the same answer
def qmz(
    hub: HubDep,
    entry: DatasetDep,
    address: AddressDep,
    layout: str = "default",
    fmt: Format = None,
    precision: Precision = None,
) -> Response:
    """The axes: ``values_spectra`` (m/z), ``values_x``/``values_y`` (pixels), their labels."""
    form = parse_format(fmt)
    if form == "PNG":
        raise BadParameter("format: qmz answers JSON, HDF5 or NPY, not PNG")
    result: dict[str, Any] = queries.qmz(resolve(hub, entry, address), layout)
    return respond(encode(rounded(result, precision), form, name="qmz", primary="values_spectra"))


@query_route("/qmetadata")
def qmetadata(
    hub: HubDep,
    principal: PrincipalDep,
    address: AddressDep,
    mtype: Text = None,
    file: Text = None,
    name_key: Annotated[str, Query(alias="nameKey")] = "name",
    child_key: Annotated[str, Query(alias="childKey")] = "_children",  # OpenMSI's default
    depth: Int64 | None = None,
    fmt: Format = None,
) -> Response:
    """File lists (what you may view/edit/manage/own) and trees of a dataset's contents."""
    kind = metadata.check_mtype("filelistView" if mtype == "filelist" else mtype)
    form = parse_format(fmt)
    if form in ("PNG", "NPY"):
        raise BadParameter(f"format: qmetadata answers JSON or HDF5, not {form}")
    if kind in metadata.FILELISTS:
        result: dict[str, Any] = metadata.filelist(hub, principal, kind)
    else:
        entry = dataset_of(hub, principal, file)
        style = metadata.TreeStyle(name_key, child_key, depth)
        result = metadata.tree(hub, entry, kind, address, style)
    if form == "HDF5":
        return respond(encode({"metadata": json_bytes(result).decode()}, form, name=kind))
    return respond(encode(result, form, name=kind))
