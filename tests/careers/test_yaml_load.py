"""Theme strings and wording rules read by libyaml (talentpool/yaml_load.py) equal PyYAML's pure-Python reading."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from talentpool import yaml_load
from careers.i18n import load_strings
from tests.conftest import ROOT

TRICKY = [
    "a: 1\nb: 1.5\nc: 1e3\nd: 0x1F\ne: 0o17\nf: 017\ng: .inf\nh: -.Inf\ni: .nan\n",
    "on: yes\noff: no\ny: n\nt: true\nnull_: ~\nempty:\n",
    "date: 2026-11-22\nstamp: 2026-11-22T10:00:00+01:00\nversion: 1.10\ntime: 12:30\n",
    "text: \"é\\u00e9\\x41 \\t tab\"\nsingle: 'l''été'\nfolded: >\n  one\n  two\n\n  three\nliteral: |-\n  a\n   b\n",
    "list: [a, 'b', \"c\", {d: e}]\nanchors: &x {k: v}\nalias: *x\nmerged:\n  <<: *x\n  w: z\n",
    "keys:\n  ? complex\n  : value\n  1: one\n  true: yes\n  '1': string one\n",
    "unicode: «Bonjour» — l’équipe · 😀\ncomment: value # not part of it\nhash: a#b\n",
    "- {a: [1, 2, {b: null}]}\n- !!str 123\n- !!int '7'\n- !!binary aGVsbG8=\n- !!set {a, b}\n",
    "",
    "# only a comment\n",
]


def repository_yaml() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.yml", "*.yaml"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.splitlines() if (ROOT / name).is_file()]


def _nan_safe(value):
    """NaN is never equal to itself: compare its text."""
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, dict):
        return {k: _nan_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_nan_safe(v) for v in value)
    return value


@pytest.mark.skipif(yaml_load.LOADER is yaml.SafeLoader, reason="PyYAML without libyaml: safe_load is yaml.safe_load")
def test_libyaml_reads_what_the_pure_python_loader_reads():
    names = repository_yaml()
    assert "theme/strings/fr.yml" in names and "plugins/careers/data/job_rules.yml" in names
    for name in names:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert yaml_load.safe_load(text) == yaml.safe_load(text), name
    for text in TRICKY:
        fast, slow = yaml_load.safe_load(text), yaml.safe_load(text)
        assert _nan_safe(fast) == _nan_safe(slow), text
        assert [type(v) for v in (fast.values() if isinstance(fast, dict) else fast or [])] == \
               [type(v) for v in (slow.values() if isinstance(slow, dict) else slow or [])], text


def test_unsafe_tags_are_refused_as_by_safe_load():
    for text in ("!!python/object/apply:os.system ['true']\n", "a: !!python/name:os.system\n"):
        with pytest.raises(yaml.constructor.ConstructorError):
            yaml_load.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        yaml_load.safe_load("a: [unclosed\n")


def test_theme_strings_are_the_pure_python_reading_flattened():
    strings = load_strings(str(ROOT / "theme"))
    for lang in ("fr", "en"):
        tree = yaml.safe_load((ROOT / "theme" / "strings" / f"{lang}.yml").read_text(encoding="utf-8"))
        flat = {}

        def walk(node, prefix=""):
            for key, value in node.items():
                if isinstance(value, dict):
                    walk(value, f"{prefix}{key}.")
                else:
                    flat[f"{prefix}{key}"] = str(value)

        walk(tree)
        assert strings[lang] == flat


@pytest.mark.parametrize("text", ["a: [unclosed\n", "a: b\n  c: d\n", "- a\nb: c\n", "a: 'open\n", "\t- tab\n"])
def test_an_error_reads_as_pure_python_pyyaml_words_it(text):
    """Editors see PyYAML's own message (wording, line, column) whichever loader read the file."""
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError) as fast:
        yaml_load.safe_load(text)
    assert str(fast.value) == str(pure.value)
    assert type(fast.value) is type(pure.value)


def test_the_pool_and_mail_settings_are_read_through_it():
    """The segments, policy, vocabulary, follow-up sequences and mail strings all go through `safe_load`."""
    import inspect

    from mailing import pipeline
    from mailing.kinds.follow_up import rules
    from talentpool import mappings, policy, segments, skills

    for module in (segments, policy, skills, mappings, rules, pipeline):
        source = inspect.getsource(module)
        assert "yaml.safe_load(" not in source and "safe_load(" in source, module.__name__
