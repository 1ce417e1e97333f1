"""The outlets the reader knows: sign-off codes and the names their title lines print."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from mktnews.instruments import normalize_name

__all__ = ["OUTLETS", "outlet_code", "register_outlet"]

_known_lock = threading.Lock()


#: Outlet codes of the site family and the names their pages print.
OUTLETS: dict[str, str] = {
    "BBZ": "Berliner Börsen-Zeitung",
    "NZN": "Zürcher Nachrichten",
    "BTB": "Berliner Tageblatt",
}
_OUTLET_KEYS: dict[str, str] = {}


def register_outlet(code: str, name: str, *, aliases: Iterable[str] = ()) -> None:
    """Teach the reader an outlet: its sign-off code and the name its title lines print.

    Articles whose title line starts with ``name`` (or an alias) then get ``code`` as
    their ``outlet``; title lines ``"<name> - <title>"`` are split even without a box.

    Parameters
    ----------
    code : str
        Sign-off code, e.g. ``"BBZ"``.
    name : str
        Name as printed, e.g. ``"Berliner Börsen-Zeitung"``.
    aliases : iterable of str, optional
        Other printed names.
    """
    code = str(code).strip()
    if not code or not str(name).strip():
        raise ValueError("register_outlet needs a non-empty code and name")
    with _known_lock:
        OUTLETS[code] = str(name).strip()
        for label in (code, name, *aliases):
            _OUTLET_KEYS[normalize_name(label)] = code


for _code, _name in list(OUTLETS.items()):
    register_outlet(_code, _name)


def outlet_code(name: str) -> str | None:
    """The code of a known outlet name or code (``"Berliner Tageblatt"`` -> ``"BTB"``)."""
    return _OUTLET_KEYS.get(normalize_name(name))


