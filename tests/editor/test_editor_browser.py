"""The real editor (Decap CMS at /admin/) in headless Chromium, against decap-server on 127.0.0.1.

Everything happens in a temporary copy of the content: decap-server writes
there, `vivier check` and the build read there. The repository's content/ is
never touched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests.browser import serve
from tests.conftest import ROOT, run_pelican, settings_file
from tests.editor import drive
from tests.editor.servers import decap_server

SHOTS = ROOT / "test-artifacts"
AXE = ROOT / "tools" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    repo = tmp_path_factory.mktemp("editor-repo")
    shutil.copytree(ROOT / "content", repo / "content")
    output = tmp_path_factory.mktemp("editor-site") / "output"
    with decap_server(repo) as api:
        built = run_pelican(repo / "content", output, "-e", f'EDITOR_LOCAL_BACKEND="{api}"')
        assert built.returncode == 0, built.stdout + built.stderr
        with serve(output) as base:
            yield SimpleNamespace(base=base, repo=repo, content=repo / "content", api=api, output=output,
                                  tmp=tmp_path_factory.mktemp("editor-check"))


@pytest.fixture
def page(browser, editor):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    problems = []
    tab.on("pageerror", lambda error: problems.append(f"{error.name}: {error.message} {error.stack}".strip()))
    tab.on("request", lambda request: None if request.url.startswith(("http://127.0.0.1:", "data:", "blob:"))
           else problems.append("request to another host: " + request.url))
    drive.open_editor(tab, editor.base)
    tab.problems = problems
    yield tab
    context.close()
    assert not problems, problems


def checked_and_built(editor, tmp_path):
    """`vivier check` accepts the content the editor saved, and the real build publishes it."""
    conf = settings_file(editor.tmp, editor.content)
    checked = subprocess.run([sys.executable, "-m", "vivier", "-s", str(conf), "check"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    output = tmp_path / "output"
    built = run_pelican(editor.content, output)
    assert built.returncode == 0, built.stdout + built.stderr
    return output


def fill_job(page, **values):
    drive.fill(page, "title", values.get("title", "Ingénieur·e qualité logicielle (H/F)"))
    drive.fill(page, "slug", values.get("slug", "ingenieur-qualite-lyon"))
    drive.fill(page, "reference", values.get("reference", "CC-2026-099"))
    drive.choose(page, "department", "data")
    if values.get("location", True):
        drive.add_location(page, "Lyon", "69002", values.get("country", "FR"))
    drive.choose(page, "remote", "hybrid")
    drive.choose(page, "contract", "CDI")
    if values.get("salary", True):
        drive.fill(page, "salary_min", "42000")
        drive.fill(page, "salary_max", "50000")
    drive.choose(page, "experience", "confirmed")
    drive.add_items(page, "must_have", "must have", ["Python", "tests automatisés"])
    drive.add_items(page, "nice_to_have", "nice to have", ["accessibilité"])
    drive.fill(page, "hiring_manager", "Claire Vasseur, responsable data Lyon")
    drive.fill(page, "apply_email", "recrutement@cardamome.example")
    drive.fill(page, "date", "2026-11-20T09:00")
    drive.fill(page, "valid_through", "2027-01-31")
    drive.fill(page, "summary", "Tester avec nous les applications de nos clients lyonnais.")
    drive.fill_body(page, "## Votre mission\n\nVous écrivez des tests.\n")


def test_a_job_created_in_the_form_is_a_file_the_check_accepts_and_the_build_publishes(page, editor, tmp_path):
    drive.new_entry(page, editor.base, "jobs_fr")
    fill_job(page)
    SHOTS.mkdir(exist_ok=True)  # the filled form, top and bottom, for a person to look at (git-ignored)
    page.screenshot(path=str(SHOTS / "editor-job-form-end.png"))
    drive.field(page, "title").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "editor-job-form.png"))
    drive.publish(page)
    drive.saved(page)
    path = editor.content / "jobs" / "ingenieur-qualite-lyon.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Title: Ingénieur·e qualité logicielle (H/F)\nSlug: ingenieur-qualite-lyon\nReference: CC-2026-099\n")
    assert "Locations: Lyon, 69002, FR\n" in text
    assert "Must_have: Python, tests automatisés\n" in text
    assert "Salary_min: 42000\nSalary_max: 50000\n" in text
    assert "\n\n## Votre mission\n\nVous écrivez des tests.\n" in text
    output = checked_and_built(editor, tmp_path)
    published = (output / "emplois" / "ingenieur-qualite-lyon" / "index.html").read_text(encoding="utf-8")
    assert "Ingénieur·e qualité logicielle (H/F)" in published and "CC-2026-099" in published


def test_the_form_refuses_a_job_without_pay_range_or_country(page, editor):
    before = sorted(p.name for p in (editor.content / "jobs").iterdir())
    drive.new_entry(page, editor.base, "jobs_fr")
    fill_job(page, slug="sans-salaire", reference="CC-2026-098", salary=False, country="")
    drive.publish(page)
    problems = " | ".join(drive.errors(page)).lower()
    for label in ("salary min", "salary max", "country"):  # Decap: « Le champ Salary min est requis. »
        assert f"champ {label} est requis" in problems, problems
    assert sorted(p.name for p in (editor.content / "jobs").iterdir()) == before
    # Decap rejects the refused save's promise with nothing: the one page error expected here.
    assert page.problems in ([], [": undefined"]), page.problems
    page.problems.clear()


@pytest.mark.parametrize("collection, path, title", [
    ("jobs_fr", "jobs/ingenieur-data-nantes.md", "Ingénieur·e data (H/F)"),
    ("jobs_en", "jobs/en/architecte-cloud-azure-nantes.md", "Azure cloud architect"),
    ("ambassadors_fr", "ambassadors/lea-martin.md", "Léa Martin"),
    ("events_fr", "events/portes-ouvertes-lyon-2026.md", "Soirée portes ouvertes et meetup à Lyon"),
])
def test_an_entry_saved_back_to_what_it_was_is_byte_identical(page, editor, collection, path, title):
    # Decap offers no save while the form equals the file; so: change, save, change back, save.
    file = editor.content / path
    before = file.read_bytes()
    name = "name" if collection.startswith("ambassadors") else "title"
    drive.open_entry(page, editor.base, collection, title, name)
    box = drive.field(page, name)
    box.press("End")
    box.type(" (modifié)")
    drive.publish(page)
    drive.saved(page)
    changed = file.read_bytes()
    assert changed != before and changed.count(b"\n") == before.count(b"\n")  # one line changed, none added
    drive.open_entry(page, editor.base, collection, title + " (modifié)", name, reload=True)  # read back from the file
    box.press("End")
    for _ in " (modifié)":
        box.press("Backspace")
    drive.publish(page)
    drive.saved(page)
    assert file.read_bytes() == before


def test_an_english_version_made_in_the_editor_links_to_its_french_original(page, editor, tmp_path):
    assert not (editor.content / "jobs" / "en" / "developpeur-python-nantes.md").exists()
    drive.new_entry(page, editor.base, "jobs_en")
    drive.fill(page, "title", "Python developer")
    drive.choose_related(page, "slug", "Développeur·se Python")
    drive.choose_related(page, "reference", "Développeur·se Python")
    french = (editor.content / "jobs" / "developpeur-python-nantes.md").read_text(encoding="utf-8")
    header = dict(line.split(": ", 1) for line in french.split("\n\n", 1)[0].splitlines())
    reference = header["Reference"]
    # A translation agrees with its original on pay, places, contract and dates (the build checks it).
    for name in ("department", "remote", "contract", "experience"):
        drive.choose(page, name, header[name.capitalize()])
    drive.add_location(page, "Nantes", "44000", "FR")
    drive.fill(page, "salary_min", header["Salary_min"])
    drive.fill(page, "salary_max", header["Salary_max"])
    drive.add_items(page, "must_have", "must have", header["Must_have"].split(", "))  # the skill vocabulary
    drive.fill(page, "hiring_manager", "Nadia Benali, head of development in Nantes")
    drive.fill(page, "apply_email", "recrutement@cardamome.example")
    drive.fill(page, "date", header["Date"].replace(" ", "T"))
    drive.fill(page, "valid_through", header["Valid_through"])
    drive.fill_body(page, "## Your mission\n\nYou write Python.")
    drive.publish(page)
    drive.saved(page)
    text = (editor.content / "jobs" / "en" / "developpeur-python-nantes.md").read_text(encoding="utf-8")
    assert "\nSlug: developpeur-python-nantes\n" in text and f"\nReference: {reference}\n" in text
    assert "\nLang: en\n" in text
    output = checked_and_built(editor, tmp_path)
    english = (output / "en" / "jobs" / "developpeur-python-nantes" / "index.html").read_text(encoding="utf-8")
    assert 'hreflang="fr"' in english and "/emplois/developpeur-python-nantes/" in english


def test_axe_finds_no_serious_problem_in_the_editing_screens(page, editor):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make test-deps`")
    source = AXE.read_text(encoding="utf-8")
    screens = {}
    page.goto(editor.base + "/admin/#/collections/jobs_fr")
    page.get_by_text("Ingénieur·e data (H/F)", exact=True).first.wait_for()
    screens["collection"] = audit(page, source)
    drive.new_entry(page, editor.base, "jobs_fr")
    screens["new job"] = audit(page, source)
    drive.open_entry(page, editor.base, "ambassadors_fr", "Léa Martin", "name")
    screens["ambassador"] = audit(page, source)
    bad = [f"{screen}: {problem}" for screen, found in screens.items() for problem in found]
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "editor-axe.txt").write_text("\n".join(bad) or "no serious or critical problem\n", encoding="utf-8")
    assert not bad, "\n".join(bad)


def audit(page, source):
    page.evaluate(source)  # evaluated by the test, so the editor's policy needs no exception for it
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {n['target']} {n.get('html', '')[:300]} {n.get('failureSummary', '')[:300]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical") for n in v["nodes"]]
