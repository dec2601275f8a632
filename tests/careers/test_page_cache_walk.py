"""careers/page_cache._walk (texts written in place, branches looked up by type) describes every value exactly
as the plain walk below does, one call per value with the isinstance tests in order, or refuses it alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import re
from pathlib import PurePosixPath

import pytest
from markupsafe import Markup
from pelican.contents import Content
from pelican.urlwrappers import Category

from careers import page_cache
from careers.page_cache import _PLAIN, Uncacheable


def plain_walk(value, digest, lenient, out, depth) -> None:
    """The walk before it was made fast: one call per value, the isinstance tests in their order."""
    if depth > 40:
        raise Uncacheable("a value nested too deeply")
    if type(value) is str:
        out.append(b"s%d:" % len(value) + value.encode("utf-8", "surrogatepass"))
    elif isinstance(value, _PLAIN):
        out.append(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, dict):
        out.append(b"{")
        keys = list(value)
        try:
            keys.sort()
        except TypeError:  # keys of several types
            keys.sort(key=repr)
        for k in keys:
            plain_walk(k, digest, lenient, out, depth + 1)
            plain_walk(value[k], digest, lenient, out, depth + 1)
        out.append(b"}")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        out.append(f"{type(value).__name__}[".encode())
        for item in items:
            plain_walk(item, digest, lenient, out, depth + 1)
        out.append(b"]")
    elif isinstance(value, Content):
        source = getattr(value, "source_path", None)
        if not source:
            raise Uncacheable(f"{type(value).__name__} without a source file")
        out.append(f"{type(value).__name__}:{source}=".encode() + digest(source))
    else:  # the branches the change left alone, which walk what they hold with `_walk`: this walk, here
        page_cache._walk_other(value, digest, lenient, out, depth)


def plain_describe(value, digest, lenient=False) -> bytes:
    out: list[bytes] = []
    fast, page_cache._walk = page_cache._walk, plain_walk  # what `_walk_other` holds is walked plainly too
    try:
        plain_walk(value, digest, lenient, out, 0)
    finally:
        page_cache._walk = fast
    return hashlib.sha256(b"".join(out)).digest()


class Colour(enum.Enum):
    RED = 1


@dataclasses.dataclass
class Facet:
    name: str
    options: list


class Keyed:
    def page_key(self):
        return "keyed"


class Job(Content):
    pass


class DictProxy:
    """Says it is a dict (`isinstance` believes its `__class__`), as a lazy proxy does."""

    def __init__(self, wrapped):
        self._wrapped = wrapped

    @property
    def __class__(self):
        return dict

    def __iter__(self):
        return iter(self._wrapped)

    def __getitem__(self, key):
        return self._wrapped[key]


def _content(source):
    job = object.__new__(Job)
    job.source_path = source
    return job


def _nested(depth: int, leaf):
    value = leaf
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


VALUES = [
    "texte", "é\udc80", Markup("<b>x</b>"), 3, 2.5, True, None, b"bytes", dt.date(2026, 12, 5),
    dt.datetime(2026, 12, 5, 9, 30), dt.timedelta(days=2), Colour.RED,
    {"b": "deux", "a": ["un", 1, None, ("x", "y")], "c": {"d": {"e": "f"}}},
    {1: "un", "deux": 2},  # keys of several types
    {frozenset({"a"}): "set key"},
    [{"page_url": "emplois/x/", "alternates": {"fr": "emplois/x/", "en": "en/jobs/x/"}, "noindex": False}],
    ("tuple", ["list", ("inner",)]), {"s", "t"}, frozenset({3, 1}),
    _content("/c/jobs/a.md"), [_content("/c/jobs/a.md"), _content("/c/jobs/b.md")],
    {"job": _content("/c/jobs/a.md"), "shows": [_content("/c/jobs/b.md")], "job_cards": Keyed()},
    Facet("place", ["Lyon", "Nantes"]), [Facet("contract", [])],
    Category("Data", {"SLUGIFY_SOURCE": "title", "CATEGORY_URL": "c/{slug}/", "CATEGORY_SAVE_AS": "c/{slug}/index.html"}),
    re.compile("a+b", re.I), PurePosixPath("/tmp/x"),
    _nested(39, "feuille"), _nested(40, "feuille"), _nested(41, "feuille"), _nested(40, []), _nested(40, {}),
    _nested(40, 7),
    _content(""), object(), [object()], {"f": len},
    DictProxy({"b": "deux", "a": 1}), [DictProxy({"x": "y"})],
]


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize("value", VALUES, ids=[f"v{i}" for i in range(len(VALUES))])
def test_the_walk_describes_every_value_as_the_plain_walk(value, lenient):
    digests = {"/c/jobs/a.md": b"A" * 32, "/c/jobs/b.md": b"B" * 32}

    def digest(path):  # a content file's, or a code file's (a dataclass's, a lenient function's)
        return digests.get(path) or hashlib.sha256(path.encode()).digest()

    try:
        expected = plain_describe(value, digest, lenient)
    except Uncacheable as exc:
        with pytest.raises(Uncacheable) as refused:
            page_cache._describe(value, digest, lenient)
        assert str(refused.value) == str(exc)
    else:
        assert page_cache._describe(value, digest, lenient) == expected


def test_a_content_subclass_is_walked_as_content_and_a_changed_file_changes_the_description():
    digests = {"/c/jobs/a.md": b"A" * 32}
    before = page_cache._describe({"job": _content("/c/jobs/a.md")}, digests.__getitem__)
    digests["/c/jobs/a.md"] = b"Z" * 32
    assert page_cache._describe({"job": _content("/c/jobs/a.md")}, digests.__getitem__) != before


def test_a_proxy_s_branch_is_not_remembered_for_its_type():
    """A value whose `__class__` is not its type takes the branch `isinstance` gives it, every time."""
    page_cache._describe(DictProxy({"a": "b"}), lambda path: b"")
    assert DictProxy not in page_cache._KINDS
