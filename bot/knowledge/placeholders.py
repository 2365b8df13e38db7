"""Values a dataset writes where it does not know one: never stored, never shown as facts.

kpopnet marks an unknown real name as ``unknown_<name>``; other datasets leave "", "-", "?",
"N/A", "none", "TBA". The importers drop such values (kpopnet: ``importers/kpopnet.py``),
and the answers check again before stating one, so a placeholder already in a database
built by an older Liner Notes is not shown either.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(
    r"^(?:unknown(?:[\s_-].*)?|unk|n/?a|none|null|nil|tba|tbd|tbc|undefined|\?+|-+|—|_+|"
    r"미상|알 수 없음|없음|모름)$",
    re.IGNORECASE,
)


def is_placeholder(value: object) -> bool:
    """Tell whether a value is empty or a dataset's stand-in for an unknown one."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return not text or bool(_PLACEHOLDER.match(text))


def known(value: str | None) -> str | None:
    """Return the value, or None when it is empty or a placeholder."""
    return None if is_placeholder(value) else (value or "").strip()
