"""No member data under output/: every address and every "first last" name of the pool is absent.

The sample pool is loaded into the test store (VIVIER_POOL) first, then a
site is built exactly as `make site` does, so any part of the build that reads
the pool (newsletter archives, for instance) is covered.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from talentpool.mappings import load_mapping
from talentpool.sample import load_sample
from talentpool.store import Store
from tests.conftest import ROOT, TODAY, run_pelican

SAMPLE = ROOT / "audiences" / "sample"


def pool_identities() -> tuple[list[str], list[str]]:
    """Every address and every "first last" name of the sample pool, case-folded."""
    rows = list(csv.DictReader((SAMPLE / "members.csv").open(encoding="utf-8")))
    emails = [row["email"].strip().casefold() for row in rows]
    names = [f"{row['first_name']} {row['last_name']}".casefold() for row in rows]
    return emails, names


ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WORD = re.compile(r"[\w'’-]+")


def find_leaks(root: Path, emails, names) -> list[str]:
    """`file: what` for every pool address or name found in any file under root (decoded every way a page may).

    Addresses are matched as whole address tokens, names as consecutive words
    (across line breaks and markup-free spaces), in one pass per file.
    """
    wanted_emails, wanted_names = set(emails), set(names)
    leaks = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        raw = path.read_bytes().decode("utf-8", errors="ignore")
        text = "\n".join({raw, html.unescape(raw), unquote(raw)}).casefold()
        found = set(ADDRESS.findall(text)) & wanted_emails
        words = WORD.findall(text)
        found |= {f"{a} {b}" for a, b in zip(words, words[1:])} & wanted_names
        leaks += [f"{path.relative_to(root)}: {item}" for item in sorted(found, key=[*emails, *names].index)]
    return leaks


@pytest.fixture(scope="module")
def pool_loaded(private_paths):
    """The sample pool in the session's store, as `make site` loads it before pelican."""
    with Store(os.environ["VIVIER_POOL"]) as store:
        load_sample(store, SAMPLE / "members.csv", SAMPLE / "messages.csv",
                    load_mapping("sample", ROOT / "audiences" / "mappings"), dt.date.fromisoformat(TODAY))
        assert store.count() >= 300
    return Path(os.environ["VIVIER_POOL"])


@pytest.fixture(scope="module")
def built_with_pool(pool_loaded, tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("privacy") / "output"
    result = run_pelican(ROOT / "content", output)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


def test_no_pool_address_or_name_in_a_build_made_with_the_pool_loaded(built_with_pool):
    emails, names = pool_identities()
    files = [p for p in built_with_pool.rglob("*") if p.is_file()]
    assert len(files) > 20
    assert find_leaks(built_with_pool, emails, names) == []


def test_no_pool_address_or_name_in_the_shared_sample_site(pool_loaded, site):
    emails, names = pool_identities()
    assert find_leaks(site, emails, names) == []


def test_the_check_finds_a_planted_leak(tmp_path):
    emails, names = pool_identities()
    (tmp_path / "a.html").write_text(f"<p>Bonjour {html.escape(names[1].title())}</p>", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"to": "%s"}' % emails[2].upper().replace("@", "%40"), encoding="utf-8")
    (tmp_path / "c.html").write_text("<p>Cardamome Conseil, Lyon</p>", encoding="utf-8")
    assert find_leaks(tmp_path, emails, names) == [f"a.html: {names[1]}", f"b.json: {emails[2]}"]
