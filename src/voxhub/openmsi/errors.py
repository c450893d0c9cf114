"""Errors of the OpenMSI-compatible query service; each names the parameter at fault."""

from voxhub.errors import InvalidInput, NotFound


class MissingParameter(InvalidInput):
    """A query parameter the request needs was not given."""

    code = "missing_parameter"


class BadParameter(InvalidInput):
    """A query parameter has a value the service cannot use."""

    code = "bad_parameter"


class UnsupportedFormat(BadParameter):
    """The requested ``format`` does not fit the result (e.g. PNG of a cube)."""

    code = "unsupported_format"


class DataNotFound(NotFound):
    """``expIndex``/``dataIndex`` address nothing in the dataset."""

    code = "data_not_found"


class AnalysisNotFound(NotFound):
    """``anaIndex``/``anaIdentifier``/``anaDataName`` address no stored analysis."""

    code = "analysis_not_found"


__all__ = [
    "AnalysisNotFound",
    "BadParameter",
    "DataNotFound",
    "MissingParameter",
    "UnsupportedFormat",
]
