"""`yaml.safe_load` through libyaml when PyYAML was built with it (issue 21: theme strings at every build).

PyYAML's pure-Python scanner read the theme's two string files (40 kB) in
about 0.1 s of every build; libyaml's `CSafeLoader` builds the same Python
values with the same safe constructors (tests/careers/test_yaml_load.py
compares both on every YAML file of the repository) several times faster.
Without libyaml, `SafeLoader` as before.
"""

from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream):
    """The Python value of one YAML document (`yaml.safe_load`'s), read by libyaml when available."""
    return yaml.load(stream, Loader=LOADER)  # noqa: S506 (a safe loader)
