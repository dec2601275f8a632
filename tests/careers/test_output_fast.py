"""The job pages' JSON and feeds written the fast way are the bytes the straightforward way wrote.

- the site's JSON (feeds, facet indexes, JSON-LD) is json's compact encoding;
- the feeds of a language written together, each job's entry serialised once
  and copied into every feed listing it (`write_job_feed_set`), against
  feedgen writing each feed with its own entries (`write_job_feeds`, as
  before).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from types import SimpleNamespace

from pelican.settings import read_settings

from careers import job_feeds
from careers.job_feeds import FeedSpec, write_job_feed_set, write_job_feeds
from careers.settings import apply_defaults
from tests.conftest import ROOT


def _compact(data):
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_the_site_s_json_is_compact_and_parses_back(site):
    """Feeds, facet indexes and JSON-LD go through json's C encoder (with `indent`, json is pure Python)."""
    files = [site / "feeds" / "jobs.json", site / "emplois" / "index.json", site / "en" / "jobs" / "index.json"]
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert path.read_text(encoding="utf-8") == _compact(data) + "\n"
    scripts = 0
    for page in (site / "emplois").glob("*/index.html"):
        text = page.read_text(encoding="utf-8")
        if '<script type="application/ld+json">' in text:
            raw = text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
            assert "</" not in raw  # nothing in the data can close the script element early
            data = json.loads(raw.replace("<\\/", "</"))
            assert _compact(data).replace("</", "<\\/") == raw
            scripts += 1
    assert scripts >= 4


# --- feeds ------------------------------------------------------------------------------------


def _settings():
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    apply_defaults(settings)
    return settings


ZONE = dt.timezone(dt.timedelta(hours=1))
TEXTS = ["Ingénieur·e data (H/F)", "Tom & Jerry <dev>", 'Des "guillemets" et l\'apostrophe', "]]> fin de CDATA",
         "Émoji 😀 et espaces  doubles", "Tab\tet\nligne"]


def _job(rng: random.Random, i: int):
    date = dt.datetime(2026, 11, rng.randint(1, 20), rng.choice([9, 14]), tzinfo=rng.choice([ZONE, None]))
    job = SimpleNamespace(
        url=f"emplois/poste-{i}/", title=f"{rng.choice(TEXTS)} n°{i}", date=date,
        summary=rng.choice([None, "", f"<p>{rng.choice(TEXTS)}</p>"]),
        content=f"<h2 id=\"m\">Mission</h2>\n<p>{rng.choice(TEXTS)} &amp; plus</p>\n<ul>\n<li>un</li>\n</ul>",
        department=rng.choice(["data", "cloud"]), department_label=rng.choice(["Data & IA", "Cloud <DevOps>"]),
        location_labels=rng.sample(["Lyon", "Nantes", "Saint-Étienne"], rng.randint(1, 2)),
        remote_label="Hybride", contract_label=rng.choice(["CDI", "Stage"]),
        salary_text=rng.choice(["", "45 000 € – 55 000 € brut par an"]),
    )
    if rng.random() < 0.3:
        job.modified = date + dt.timedelta(days=2)
    return job


def _specs(jobs):
    data = [j for j in jobs if j.department == "data"]
    lyon = [j for j in jobs if "Lyon" in j.location_labels]
    specs = [("all", jobs), ("data", data), ("lyon", lyon), ("none", []), ("again", list(reversed(jobs))),
             ("one", jobs[-1:]), ("twice", jobs[:3] + jobs[2:5]), ("data", lyon)]  # the last writes data's files again
    return [FeedSpec({"atom": f"feeds/{name}.atom.xml", "rss": f"feeds/{name}.rss.xml"}, f"Offres — {name} & co",
                     "Les offres <ouvertes>", "emplois/", chosen) for name, chosen in specs]


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted((folder / "feeds").iterdir())}


def test_feeds_written_together_are_the_files_written_one_by_one(tmp_path):
    settings = _settings()
    rng = random.Random(6)
    jobs = [_job(rng, i) for i in range(40)]
    specs = _specs(jobs)
    write_job_feed_set(str(tmp_path / "fast"), settings, "fr", jobs, specs)
    for spec in specs:
        write_job_feeds(str(tmp_path / "slow"), settings, spec.paths, title=spec.title, subtitle=spec.subtitle,
                        page_url=spec.page_url, lang="fr", jobs=spec.jobs)
    fast, slow = _files(tmp_path / "fast"), _files(tmp_path / "slow")
    assert fast == slow
    assert len(fast) == 14 and b"Tom &amp; Jerry &lt;dev&gt;" in fast["all.rss.xml"]
    assert fast["none.atom.xml"].count(b"<entry>") == 0 and fast["again.atom.xml"].count(b"<entry>") == len(jobs)
    assert fast["data.rss.xml"].count(b"<item>") == len(specs[2].jobs)  # the later feed's files won, as before


def test_each_job_s_entry_is_made_once_for_all_its_feeds(tmp_path, monkeypatch):
    settings = _settings()
    jobs = [_job(random.Random(9), i) for i in range(12)]
    made = []
    real = job_feeds._fill_entry
    monkeypatch.setattr(job_feeds, "_fill_entry", lambda entry, job, *a: (made.append(job), real(entry, job, *a))[1])
    in_order = [spec for spec in _specs(jobs) if spec.paths["atom"].split("/")[1].split(".")[0] in ("all", "data", "lyon", "one")][:4]
    write_job_feed_set(str(tmp_path), settings, "fr", jobs, in_order)
    assert sorted(map(id, made)) == sorted(map(id, jobs))  # four feeds, each job made once
