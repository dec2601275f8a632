"""One `Markdown` instance per reader converts every file exactly as a new instance per file does.

`VivierMarkdownReader` resets and reuses its instance (Pelican builds one per
file). The reference here is the straightforward path: the same reader
building a new `Markdown` for each file, and Pelican's own `MarkdownReader`.
Documents are read one after the other by the shared instance, so anything a
document leaves behind (references, abbreviations, footnotes, heading ids,
the `meta` preprocessor Pelican removes for the summary, the footnotes' id
prefix) would show in the next one.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from careers.reader import VivierMarkdownReader, reusable_markdown

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import synth_content  # noqa: E402

FIRST = """Title: Premier document
Summary: Un résumé avec une note[^1], une *abréviation* HTML et un [lien][ref].
Tags: a, b
Authors: Alice
Authors: Bob
Date: 2026-09-14 09:00

# Titre

## Titre

## Titre {: #choisi }

Du texte[^1] avec un [lien][ref], une note nommée[^note] et du HTML.

*[HTML]: Hyper Text Markup Language

[ref]: https://example.com/premier "Premier"

[^1]: Une note.
[^note]: Une autre note, citée deux fois[^note].

| a | b |
|---|:-:|
| 1 | 2 |

Terme
:   Définition

```python
print("code")
```

<div markdown="1">*dans du HTML*</div>

3. trois
4. quatre

Un paragraphe avec attributs
{: .classe #para }
"""

SECOND = """Title: Deuxième document
Summary: Ni [lien][ref] ni HTML défini ici[^1].

# Titre

## Titre

Un [lien][ref] qui ne doit plus exister, du HTML sans abréviation, une note[^1] sans définition.

1. un
2. deux

[^2]: Une note jamais citée.
"""

THIRD = """Pas d'en-tête du tout, seulement du texte[^a].

[^a]: Avec sa note.

# Titre
"""

FOURTH = """Title: Résumé sur plusieurs lignes
Summary: Première ligne du résumé,
    suite du résumé avec [un lien](https://example.com) et `du code`.
Summary: Et une seconde valeur.

Texte.
"""


def _settings(**markdown):
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    settings["PATH"] = str(ROOT / "content")
    if markdown:
        settings["MARKDOWN"] = markdown
    return settings


class FreshReader(VivierMarkdownReader):
    """The straightforward path: a new `Markdown` for every file, as Pelican does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._reuse = False


def _convert_all(reader, paths):
    return [reader._read_markdown(str(path)) for path in paths]


def _write(tmp_path, texts):
    paths = []
    for n, text in enumerate(texts):
        path = tmp_path / f"doc{n}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _assert_same(settings, paths, *, pelican_too=True):
    shared = VivierMarkdownReader(copy.deepcopy(settings))
    assert shared._reuse
    got = _convert_all(shared, paths)
    expected = [FreshReader(copy.deepcopy(settings))._read_markdown(str(p)) for p in paths]
    for path, (content, metadata), (want_content, want_metadata) in zip(paths, got, expected):
        assert content == want_content, path
        assert metadata == want_metadata, path
    if pelican_too:  # Pelican's own reader, one instance per file
        pelican = MarkdownReader(copy.deepcopy(settings))
        for path, (content, metadata) in zip(paths, got):
            assert (content, metadata) == pelican.read(str(path)), path
    return got


CRAFTED = [FIRST, SECOND, THIRD, FOURTH, FIRST, THIRD, SECOND]


def test_crafted_documents_in_sequence_convert_as_with_new_instances(tmp_path):
    got = _assert_same(_settings(), _write(tmp_path, CRAFTED))
    first, second = got[0], got[1]
    # The documents do exercise what could leak from one to the next.
    assert 'id="fn:1"' in first[0] and 'id="titre_1"' in first[0] and "<abbr" in first[0]
    assert "<table>" in first[0] and "<dl>" in first[0] and 'id="para"' in first[0] and "<em>dans du" in first[0]
    assert "https://example.com/premier" not in second[0] and "<abbr" not in second[0]
    assert 'id="titre"' in second[0] and 'id="titre_2"' not in second[0]
    # The summary is converted apart from its document (Pelican resets the instance in between).
    assert "[lien][ref]" in first[1]["summary"] and "<abbr" not in first[1]["summary"]
    assert second[1]["title"] == "Deuxième document" and [a.name for a in first[1]["authors"]] == ["Alice"]
    assert got[2][1] == {}  # no header: no metadata, even after documents that had some


def test_footnotes_with_unique_ids_get_a_new_instance_s_prefix(tmp_path):
    settings = _settings(
        extension_configs={
            "markdown.extensions.extra": {},
            "markdown.extensions.footnotes": {"UNIQUE_IDS": True},
            "markdown.extensions.toc": {"permalink": True},
        },
        output_format="html5",
    )
    got = _assert_same(settings, _write(tmp_path, CRAFTED))
    assert 'id="fn:2-1"' in got[0][0] and 'id="fn:2-1"' in got[4][0]  # same prefix in every document


def test_sample_content_and_synthetic_jobs_convert_as_with_new_instances(tmp_path):
    paths = sorted((ROOT / "content").rglob("*.md"))
    for name, text in synth_content.job_files(120):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    assert len(paths) > 150
    settings = _settings()
    _assert_same(settings, paths, pelican_too=False)
    _assert_same(settings, list(reversed(paths)), pelican_too=False)


def test_unknown_extensions_keep_one_instance_per_file(tmp_path):
    assert reusable_markdown({"extensions": ["markdown.extensions.extra", "meta"]})
    assert not reusable_markdown({"extensions": ["markdown.extensions.smarty"]})
    assert not reusable_markdown({"extension_configs": {"markdown.extensions.admonition": {}}})
    from markdown.extensions.toc import TocExtension

    assert not reusable_markdown({"extensions": [TocExtension()]})
    settings = _settings(extension_configs={"markdown.extensions.smarty": {}}, output_format="html5")
    reader = VivierMarkdownReader(copy.deepcopy(settings))
    assert not reader._reuse
    paths = _write(tmp_path, CRAFTED[:3])
    instances = set()
    for path in paths:
        reader._read_markdown(str(path))
        instances.add(id(reader._md))
    assert len(instances) == 3


def test_the_instance_is_reused_and_dropped_after_a_failure(tmp_path):
    reader = VivierMarkdownReader(copy.deepcopy(_settings()))
    paths = _write(tmp_path, CRAFTED[:3])
    reader._read_markdown(str(paths[0]))
    md = reader._md
    reader._read_markdown(str(paths[1]))
    assert reader._md is md
    assert reader.last_text == (str(paths[1]), SECOND)
    with pytest.raises(FileNotFoundError):
        reader._read_markdown(str(tmp_path / "missing.md"))
    assert reader.last_text is None
    reader._read_markdown(str(paths[2]))
    assert reader._md is not md  # a failed read never leaves its state to the next file
