"""Run the site checks in order and collect what each found."""

from __future__ import annotations

import logging
import time
from typing import Callable, Iterable

from . import a11y, content, feeds, html, ics, images, jsonld, links
from .model import CheckResult, Problem
from .site import Site

logger = logging.getLogger(__name__)

# Fast in-process checks first, the Java and browser ones last.
CHECKS = {module.NAME: module for module in (links, images, content, feeds, jsonld, ics, html, a11y)}


def run_checks(site: Site, *, skip: Iterable[str] = (), on_start: Callable[[str, str], None] | None = None) -> list[CheckResult]:
    """Every check not skipped, over the whole site; a check that crashes is reported, not raised."""
    skip = set(skip)
    unknown = skip - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown check(s): {', '.join(sorted(unknown))}; the checks are {', '.join(CHECKS)}")
    for name, module in CHECKS.items():
        if name not in skip and hasattr(module, "prepare"):
            module.prepare(site)
    results = []
    for name, module in CHECKS.items():
        if name in skip:
            results.append(CheckResult(name, module.TITLE, skipped=True))
            continue
        if on_start:
            on_start(name, module.TITLE)
        started = time.monotonic()
        try:
            problems, checked, unit = module.run(site)
        except Exception as exc:  # a crash in one check must not hide the others' findings
            logger.exception("check %s crashed", name)
            problems, checked, unit = [Problem(name, ".", f"the check crashed: {type(exc).__name__}: {exc}", "report this bug")], 0, "files"
        results.append(CheckResult(name, module.TITLE, list(problems), checked, unit, time.monotonic() - started))
    return results
