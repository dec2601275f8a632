"""`yaml.safe_load` through libyaml when PyYAML was built with it (issue 21: theme strings at every build).

PyYAML's pure-Python scanner read the theme's two string files (40 kB) in
about 0.1 s of every build; libyaml's `CSafeLoader` builds the same Python
values with the same safe constructors (tests/careers/test_yaml_load.py
compares both on every YAML file of the repository) several times faster.
Without libyaml, `SafeLoader` as before. A document libyaml refuses is read
again by `SafeLoader`, so an editor's error message (its wording, line and
column) is PyYAML's, whichever loader is installed. The segments, the
policy, the skill vocabulary, the follow-up sequences and the mail strings
are read here too: 0.15 s of every build's mail side with the pure scanner.
"""

from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream):
    """The Python value of one YAML document (`yaml.safe_load`'s), read by libyaml when available."""
    if LOADER is yaml.SafeLoader:
        return yaml.load(stream, Loader=LOADER)  # noqa: S506 (a safe loader)
    if not isinstance(stream, (str, bytes)):
        stream = stream.read()  # kept, to be read again on an error
    try:
        return yaml.load(stream, Loader=LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError:
        return yaml.load(stream, Loader=yaml.SafeLoader)  # noqa: S506 (PyYAML's own message, or its value)
