"""sitecheck — checks a built site folder (output/) before it reaches candidates.

A plain package (no Pelican import): each check is one small module reading
the files a build wrote. `run_checks` runs them all and returns what each found;
`vivier site-check` and `make check` report it and fail on any error.
"""

from __future__ import annotations

from .model import CheckResult, Problem
from .runner import CHECKS, run_checks
from .site import Site

__all__ = ["CHECKS", "CheckResult", "Problem", "Site", "run_checks"]
