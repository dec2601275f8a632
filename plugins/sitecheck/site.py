"""The built site as the checks see it: its files, its pages and its URLs.

A page of the site may be linked three ways: relative (`../x/`), root-relative
(`/x/`, development builds) or absolute with the public URL
(`https://carrieres.example/x/`, production builds). `Site.resolve` maps all
three to a file of the output folder, or says why it cannot.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html

MISSING = "no such file in the built site"


@dataclass(frozen=True)
class Target:
    """Where a URL points inside the site."""

    url: str
    rel: str  # the path inside output/ the URL asks for ("emplois/" or "feeds/a.xml")
    path: Path | None  # the file that answers, None when nothing does
    fragment: str
    reason: str = ""  # why it points nowhere, when path is None


class Site:
    """A built output folder and the public URL(s) it is served from."""

    def __init__(self, root, public_url: str = "https://example.invalid", *, site_url: str | None = None,
                 today: dt.date | None = None, axe_path: Path | None = None, budgets: dict | None = None):
        self.root = Path(root).resolve()
        self.budgets = dict(budgets or {})  # {"page": KB, "feed": KB}: the content check's size budgets
        self.public_url = public_url.rstrip("/") + "/"
        bases = [self.public_url]
        if site_url and urlsplit(site_url).netloc:
            bases.append(site_url.rstrip("/") + "/")
        self.bases = [urlsplit(b) for b in dict.fromkeys(bases)]
        self.today = today
        self.axe_path = axe_path
        self._docs: dict[Path, object] = {}
        self._ids: dict[Path, set[str]] = {}
        self.jobs: dict[str, object] = {}  # work a check started early (vnu)

    # -- files ---------------------------------------------------------------
    def rel(self, path: Path) -> str:
        """`emplois/index.html` for a file of the output folder."""
        return Path(path).resolve().relative_to(self.root).as_posix()

    def files(self, *suffixes: str) -> list[Path]:
        """Every file with one of these suffixes, hidden folders left out, sorted."""
        found = []
        for path in self.root.rglob("*"):
            if path.is_file() and path.suffix.lower() in suffixes:
                if not any(part.startswith(".") for part in path.relative_to(self.root).parts):
                    found.append(path)
        return sorted(found)

    @cached_property
    def html_files(self) -> list[Path]:
        return self.files(".html", ".htm")

    def page(self, path: Path):
        """The page parsed by lxml (cached: several checks read each page)."""
        path = Path(path)
        if path not in self._docs:
            self._docs[path] = lxml.html.fromstring(path.read_bytes())
        return self._docs[path]

    def ids(self, path: Path) -> set[str]:
        """Every fragment a link may target in a page: `id`s and `<a name>`s."""
        path = Path(path)
        if path not in self._ids:
            doc = self.page(path)
            self._ids[path] = set(doc.xpath("//@id")) | set(doc.xpath("//a/@name"))
        return self._ids[path]

    # -- URLs ------------------------------------------------------------------
    def url_of(self, path: Path) -> str:
        """The public URL a file is served at (relative links resolve against it)."""
        return self.public_url + self.rel(path)

    def resolve(self, href: str, page_url: str) -> Target | None:
        """The file a link of a page asks for, or None when it points off the site."""
        href = (href or "").strip()
        if not href:
            return None
        scheme = urlsplit(href).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            return None
        absolute = urljoin(page_url, href)
        parts = urlsplit(absolute)
        base = next((b for b in self.bases if b.netloc.lower() == parts.netloc.lower()), None)
        if base is None:
            return None
        fragment = unquote(parts.fragment)
        if parts.scheme != base.scheme:
            return Target(absolute, parts.path, None, fragment, f"uses {parts.scheme}:// instead of {base.scheme}://")
        if not parts.path.startswith(base.path) and parts.path + "/" != base.path:
            return Target(absolute, parts.path, None, fragment, f"is outside the site's folder {base.path}")
        rel = unquote(parts.path[len(base.path):])
        normal = posixpath.normpath("/" + rel).lstrip("/")
        if normal.startswith(".."):
            return Target(absolute, rel, None, fragment, "climbs out of the site's folder")
        return Target(absolute, rel, self._file_for(rel), fragment, MISSING)

    def _file_for(self, rel: str) -> Path | None:
        candidate = self.root / rel
        if rel == "" or rel.endswith("/"):
            candidate = candidate / "index.html"
            return candidate if candidate.is_file() else None
        if candidate.is_file():
            return candidate
        # A web server answers /emplois with /emplois/index.html (after a redirect).
        if candidate.is_dir() and (candidate / "index.html").is_file():
            return candidate / "index.html"
        return None

    def expected_file(self, rel: str) -> str:
        """What file a URL path needs, for error messages."""
        return (rel + "index.html") if rel == "" or rel.endswith("/") else rel
