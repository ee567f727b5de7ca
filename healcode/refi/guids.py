"""GUIDs: deterministic ones for export, normalised ones for import.

Exported GUIDs are UUID version 5 over stable names (a code's path, a document's id
and text digest, a unit's position), so exporting the same run twice gives the same
file and a QDA program sees the same code as the same object across exports.
"""

from __future__ import annotations

import re
import uuid

# The namespace of every GUID healcode writes; changing it changes every exported GUID.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:healcode:refi-qda")

_HEX = "[0-9a-fA-F]"
_GUID = re.compile(rf"^\{{?({_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})\}}?$")


def stable_guid(kind: str, *parts: str | int) -> str:
    """The GUID of one object, e.g. ``stable_guid("code", "hope/future_plans")``."""
    name = "\x1f".join((kind, *(str(p) for p in parts)))
    return str(uuid.uuid5(NAMESPACE, name))


def normalise_guid(value: str | None) -> str | None:
    """GUIDs as exported by other programs (upper case, in braces) -> lower case, bare.

    A value that is not a GUID is kept (stripped), so a reference can still match it.
    """
    if value is None:
        return None
    value = value.strip()
    match = _GUID.match(value)
    return match.group(1).lower() if match else value
