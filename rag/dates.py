"""Published dates: ISO ``YYYY-MM-DD`` strings in the index, ``date`` objects in filters."""

from __future__ import annotations

import re
from datetime import date, datetime

from .errors import QuestionError

DateLike = date | str | None


def as_date(value: DateLike, name: str) -> date | None:
    """A date from a ``date`` or an ISO ``YYYY-MM-DD`` string; QuestionError otherwise."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    day = iso_date(str(value)) if str(value).strip() else None
    if not str(value).strip():
        return None
    if day is None:
        raise QuestionError(f"{name} must be a date like 2024-01-31, not {value!r}")
    return date.fromisoformat(day)


def iso_date(value: str) -> str | None:
    """``YYYY-MM-DD`` of an ISO date or date-time (``2024-03-01``, ``2024-03-01T10:00Z``),
    else None."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    found = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if found:
        try:
            year, month, day = (int(g) for g in found.groups())
            return date(year, month, day).isoformat()
        except ValueError:
            return None
    return None


_URL_DAY = re.compile(r"/((?:19|20)\d\d)/(\d\d)/(\d\d)/")


def url_date(url: str) -> str | None:
    """The day a news URL carries in its path (``/2024/01/05/``: USA Today, CNN, the
    Guardian, ...) as ISO ``YYYY-MM-DD``, else None."""
    found = _URL_DAY.search(url or "")
    if not found:
        return None
    try:
        return date(*(int(g) for g in found.groups())).isoformat()
    except ValueError:
        return None


def age_days(published: str, asked_on: date | None) -> int | None:
    """Days from a published date (ISO, "" undated) to the day a question was asked; None
    when either is unknown."""
    if asked_on is None or not published:
        return None
    if isinstance(asked_on, datetime):
        asked_on = asked_on.date()
    day = iso_date(published)
    return None if day is None else (asked_on - date.fromisoformat(day)).days
