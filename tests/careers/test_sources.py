"""One precise error per mistake in a file's raw text: the header, the encoding, images, stray files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from careers import sources

from tests.conftest import ROOT, copy_content, settings_file



def vivier_check(content, tmp_path):
    conf = settings_file(tmp_path, content)
    env = {**os.environ, "COLUMNS": "300"}
    result = subprocess.run([sys.executable, "-m", "vivier", "--settings", str(conf), "check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=env)
    return result, [line for line in result.stderr.splitlines() if line.startswith("│")]


def rows_for(rows, name):
    return [r for r in rows if name in r.split("│")[1]]


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """One copy of the sample content with one mistake per file, checked once by `vivier check`."""
    tmp_path = tmp_path_factory.mktemp("sources")
    content = copy_content(tmp_path)
    lines = {}
    edit(content / "jobs" / "ingenieur-data-nantes.md", "Remote: hybrid\n", "Remote hybrid\n")
    lines["colon"] = (content / "jobs" / "ingenieur-data-nantes.md").read_text(encoding="utf-8").split("\n").index("Remote hybrid") + 1

    job = content / "jobs" / "developpeur-python-nantes.md"
    text = job.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(text) if line.startswith("Contract:"))
    job.write_text("\n".join(text[:at] + [""] + text[at:]), encoding="utf-8")
    lines["blank"] = at + 1

    job = content / "jobs" / "data-scientist-lyon.md"
    text = job.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(text) if line.startswith("Locations:"))
    text[at] = "Locations: [Nantes, FR"
    job.write_text("\n".join(text), encoding="utf-8")
    lines["yaml"] = at + 1

    job = content / "jobs" / "stage-data-analyst-lyon.md"
    text = job.read_text(encoding="utf-8")
    lines["latin1"] = next(n for n, t in enumerate(text.split("\n"), 1) if any(ord(c) > 127 for c in t))
    job.write_bytes(text.encode("latin-1", errors="replace"))

    article = content / "articles" / "equipe-data-nantes.md"
    text = article.read_text(encoding="utf-8") + "\n![](/theme/img/logo.svg)\n\n```\n![](code-sample.png)\n```\n"
    article.write_text(text, encoding="utf-8")
    lines["alt"] = text.split("\n").index("![](/theme/img/logo.svg)") + 1

    (content / "zz.md").write_text("Title: Perdu\nDate: 2026-01-01\n\nTexte.\n", encoding="utf-8")
    (content / "brouillons").mkdir()
    (content / "brouillons" / "idee.md").write_text("Title: Idée\n\nTexte.\n", encoding="utf-8")

    edit(content / "events" / "meetup-data-nantes-decembre-2026.md", "Timezone: Europe/Paris", "Timezone Europe/Paris")
    edit(content / "articles" / "vivier-sans-spam.md", "\nCategory:", "\nCategory")
    edit(content / "ambassadors" / "lea-martin.md", "\nRole:", "\n\nRole:")
    result, rows = vivier_check(content, tmp_path)
    assert result.returncode == 1
    return {"result": result, "rows": rows, "lines": lines}


def test_a_header_line_without_colon_gives_one_error_at_that_line(broken):
    mine = rows_for(broken["rows"], "ingenieur-data-nantes.md")
    assert len(mine) == 1, mine
    assert f"jobs/ingenieur-data-nantes.md:{broken['lines']['colon']}" in mine[0] and "│ header" in mine[0]
    assert "'Remote hybrid' is not 'Field: value', so the header ends here" in mine[0]
    assert "Contract, Working_time" in mine[0] and "Remote: hybrid" in mine[0]


def test_a_blank_line_inside_the_header_gives_one_error_at_that_line(broken):
    mine = rows_for(broken["rows"], "developpeur-python-nantes.md")
    assert len(mine) == 1, mine
    assert f"developpeur-python-nantes.md:{broken['lines']['blank']}" in mine[0]
    assert "a blank line inside the header: it ends here, so the fields Contract" in mine[0]


def test_a_yaml_list_of_places_says_how_to_write_it(broken):
    mine = rows_for(broken["rows"], "data-scientist-lyon.md")
    assert len(mine) == 1, mine
    assert f"data-scientist-lyon.md:{broken['lines']['yaml']}" in mine[0] and "locations" in mine[0]
    assert "'[Nantes, FR' is written like a YAML list" in mine[0] and "write 'Nantes, FR'" in mine[0]


def test_a_latin1_file_names_the_line_and_says_save_as_utf8(broken):
    mine = rows_for(broken["rows"], "stage-data-analyst-lyon.md")
    assert len(mine) == 1, mine
    assert f"stage-data-analyst-lyon.md:{broken['lines']['latin1']}" in mine[0] and "encoding" in mine[0]
    assert "is not UTF-8 (probably Latin-1 or Windows-1252)" in mine[0] and "save the file as UTF-8" in mine[0]
    assert "codec" not in broken["result"].stderr


def test_an_image_without_alt_text_fails_with_its_line(broken):
    mine = rows_for(broken["rows"], "equipe-data-nantes.md")
    assert len(mine) == 1, mine  # the one in the code block is an example, not an image
    assert f"articles/equipe-data-nantes.md:{broken['lines']['alt']}" in mine[0]
    assert "image without a text alternative" in mine[0]


def test_a_markdown_file_outside_the_read_folders_is_reported(broken):
    stray = [r for r in broken["rows"] if "is outside the folders the build reads" in r]
    assert [r.split("│")[1].strip() for r in stray] == ["brouillons/idee.md", "zz.md"]
    assert "(articles/, pages/" in stray[1] and "move it into one of them" in stray[1]


def test_every_content_type_gets_one_header_error_not_a_list_of_missing_fields(broken):
    for name in ("meetup-data-nantes-decembre-2026.md", "vivier-sans-spam.md", "lea-martin.md"):
        mine = rows_for(broken["rows"], name)
        assert len(mine) == 1 and "│ header" in mine[0], mine


def test_the_sample_content_has_no_source_problem():
    assert sources.stray_files({"PATH": str(ROOT / "content"), "ARTICLE_PATHS": ["articles"], "PAGE_PATHS": ["pages"],
                                "ARTICLE_EXCLUDES": ["jobs", "events", "ambassadors", "newsletters"],
                                "STATIC_PATHS": ["images"]}) == []
    for path in (ROOT / "content").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert sources.header_problem(text) is None, path
        assert sources.empty_alts(text) == [], path


def test_header_rules_leave_ordinary_texts_alone():
    assert sources.header_problem("Title: x\nDate: 2026-01-01\n\nNote: le texte commence ici.\nSuite.\n") is None
    assert sources.header_problem("Title: x\nDate: 2026-01-01\nLe texte sans ligne vide.\n") is None
    assert sources.header_problem("Texte sans en-tête.\n") is None
    assert sources.header_problem("---\nTitle: x\n---\n\nDate: dans le texte\n") is None
    assert sources.header_problem("Title: x\nMust_have: Python,\n    SQL\nDate: 2026-01-01\n\nTexte.") is None
    line, message, example = sources.header_problem("Titre du poste\nTitle: x\nDate: 2026-01-01\n\nTexte.")
    assert line == 1 and "the fields Title, Date below it are not read" in message and example == "Field: value"


def _stray_files_walking_everything(settings) -> list[str]:
    """Every Markdown file of the tree, kept when it is under no read folder: what `stray_files` must find."""
    import fnmatch

    root = settings["PATH"]
    read = [f + "/" for f in sources.read_folders(settings) + [s.strip("/") for s in settings.get("STATIC_PATHS", [])]]
    ignores = settings.get("IGNORE_FILES", [])
    found = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not any(fnmatch.fnmatch(d, i) for i in ignores))
        for name in sorted(files):
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            if name.lower().endswith((".md", ".markdown", ".mdown", ".mkd")) and not any(fnmatch.fnmatch(name, i) for i in ignores) \
                    and not any(rel.startswith(f) for f in read):
                found.append(rel)
    return found


def test_stray_files_skips_the_read_folders_and_finds_what_a_walk_of_everything_finds(tmp_path):
    for rel in ("zz.md", "jobs/a.md", "jobs/en/b.md", "jobsite/c.md", "pages/p.md", "pages/legal/l.md", "pages/legal2/m.MD",
                "brouillons/idee.md", "brouillons/jobs/d.md", "images/readme.md", ".git/x.md", "articles/notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("Title: x\n\nText.\n", encoding="utf-8")
    settings = {"PATH": str(tmp_path), "ARTICLE_PATHS": ["articles"], "PAGE_PATHS": ["pages/legal/"],
                "JOBS_CONTENT_PATHS": ["jobs"], "STATIC_PATHS": ["images"], "IGNORE_FILES": [".*"]}
    expected = _stray_files_walking_everything(settings)
    assert expected == ["zz.md", "brouillons/idee.md", "brouillons/jobs/d.md", "jobsite/c.md", "pages/p.md",
                        "pages/legal2/m.MD"]
    assert sources.stray_files(settings) == expected
    walked = []
    real_walk = os.walk
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sources.os, "walk", lambda top: ((d, s, f) for d, s, f in real_walk(top) if not walked.append(d)))
        sources.stray_files(settings)
    assert not any(os.path.relpath(d, tmp_path).split(os.sep)[0] in ("jobs", "images", ".git") for d in walked)
    assert str(tmp_path / "pages" / "legal") not in walked and str(tmp_path / "pages" / "legal2") in walked
