"""Free-text names people give things: display names, folder and team names, tags.

They are stored as given (parameters bind them, nothing interpolates them
into SQL or paths) but must be printable, trimmed and of bounded length;
folder names may not contain ``/``, which separates folders in paths.
"""

from __future__ import annotations

import unicodedata

from voxhub.errors import BadName


def clean_label(text: object, what: str, max_length: int = 128, allow_slash: bool = True) -> str:
    """``text`` trimmed, or ``BadName`` when empty, too long or holding control characters."""
    if not isinstance(text, str):
        raise BadName(f"{what} must be text")
    value = text.strip()
    if not value:
        raise BadName(f"{what} may not be empty")
    if len(value) > max_length:
        raise BadName(f"{what} is longer than {max_length} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise BadName(f"{what} may not contain control characters")
    if not allow_slash and "/" in value:
        raise BadName(f"{what} may not contain '/'")
    return value


def clean_tags(tags: list[str]) -> list[str]:
    """Distinct, trimmed tags in the given order."""
    cleaned: list[str] = []
    for tag in tags:
        value = clean_label(tag, "tag", max_length=64)
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > 100:
        raise BadName("a dataset may have at most 100 tags")
    return cleaned
