"""The registry of message kinds: name -> kind class. Built-in kinds are imported on first use."""

from __future__ import annotations

import importlib

BUILTIN = (
    "mailing.kinds.newsletter",
    "mailing.kinds.invitation",
    "mailing.kinds.follow_up",
    "mailing.kinds.job_alert",
    "mailing.kinds.forecast",
    "mailing.kinds.confirmation",
)

_KINDS: dict[str, type] = {}
_loaded = False


class UnknownKind(KeyError):
    def __str__(self) -> str:
        return f"no message kind {self.args[0]!r} in the registry (known: {', '.join(sorted(_KINDS))})"


def register(cls: type) -> type:
    """Add a kind (class decorator); a name is registered once."""
    name = getattr(cls, "name", "")
    if not name:
        raise ValueError(f"{cls.__name__} needs a `name`")
    if name in _KINDS and _KINDS[name] is not cls:
        raise ValueError(f"message kind {name!r} is registered twice ({_KINDS[name].__module__}, {cls.__module__})")
    _KINDS[name] = cls
    return cls


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN:
            importlib.import_module(module)


def get(name: str) -> type:
    _load()
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None


def all_kinds() -> list[type]:
    """Every registered kind, in registration order (built-in kinds first)."""
    _load()
    return list(_KINDS.values())


def planning_kinds() -> list[type]:
    """The kinds a build plans (a confirmation is sent by the web application, not planned)."""
    return [cls for cls in all_kinds() if cls.plans]
