"""`json.dumps(data, ensure_ascii=False, indent=2)`, byte for byte, without the pure-Python encoder.

With `indent`, Python 3.11's `json` leaves its C encoder aside and walks the
data with nested generators: at 5,000 jobs the JSON-LD of every job page,
the JSON feed and the facet indexes took about a second and a half under the
profiler. The job data are plain dicts, lists, strings, numbers, booleans
and None; this walk writes them in the same layout, strings escaped by
`json`'s own C function. Anything else (another type, a key `json` would
refuse, a structure too deep or circular) goes to `json.dumps` itself, so
the result or the error is always the standard library's.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring

_INDENT = "  "


class _Unsupported(Exception):
    pass


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key) -> str:
    # The order of json's own tests (`_iterencode_dict`): float before True/False/None, then int.
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise _Unsupported


def _walk(value, out: list, newline: str) -> None:
    # The order of json's own tests (`_iterencode`): str, None, True, False, int, float, list/tuple, dict.
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + _INDENT
        separator = "," + inner
        out.append("[" + inner)
        first = True
        for item in value:
            if first:
                first = False
            else:
                out.append(separator)
            _walk(item, out, inner)
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + _INDENT
        separator = "," + inner
        out.append("{" + inner)
        first = True
        for key, item in value.items():
            if first:
                first = False
            else:
                out.append(separator)
            out.append(encode_basestring(_key(key)))
            out.append(": ")
            _walk(item, out, inner)
        out.append(newline + "}")
    else:
        raise _Unsupported


def dumps(data) -> str:
    """Exactly `json.dumps(data, ensure_ascii=False, indent=2)`."""
    out: list[str] = []
    try:
        _walk(data, out, "\n")
    except (_Unsupported, RecursionError):
        return json.dumps(data, ensure_ascii=False, indent=2)
    return "".join(out)
