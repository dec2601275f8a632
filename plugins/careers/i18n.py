"""Theme strings per language, so no template hard-codes French or English."""

from __future__ import annotations

import os
from functools import lru_cache

from talentpool.yaml_load import safe_load


class MissingString(KeyError):
    pass


@lru_cache(maxsize=8)
def _load(directory: str, mtime_key: tuple) -> dict[str, dict[str, str]]:
    strings = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yml", ".yaml")):
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                strings[name.rsplit(".", 1)[0]] = _flatten(safe_load(handle) or {})
    return strings


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


def load_strings(theme: str) -> dict[str, dict[str, str]]:
    directory = os.path.join(theme, "strings")
    stamp = tuple(
        (n, os.path.getmtime(os.path.join(directory, n))) for n in sorted(os.listdir(directory))
    )
    return _load(directory, stamp)


def translator(theme: str, default_lang: str):
    """A Jinja filter: `{{ 'nav.jobs'|t(lang) }}`, `{{ 'jobs.count'|t(lang, n=3) }}`."""

    loaded: list[dict] = []  # read once per translator (one build); templates call t tens of thousands of times

    def t(key: str, lang: str | None = None, **values) -> str:
        if not loaded:
            loaded.append(load_strings(theme))
        strings = loaded[0]
        table = strings.get(lang or default_lang) or strings[default_lang]
        if key not in table:
            raise MissingString(f"theme string {key!r} is missing from theme/strings/{lang or default_lang}.yml")
        text = table[key]
        return text.format(**values) if values else text

    return t
