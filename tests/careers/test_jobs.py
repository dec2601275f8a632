"""Job pages, listings, facet pages, sitemap and `vivier new job` on real builds."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from lxml import etree

from tests.conftest import ROOT, settings_file
from tests.helpers import page

PUBLIC = "https://carrieres.cardamome.example"
OPEN_FR = {
    "ingenieur-data-nantes", "data-scientist-lyon", "consultant-cloud-aws-grenoble", "ingenieur-devops-kubernetes",
    "developpeur-python-nantes", "developpeur-java-lyon", "alternance-developpement-web-nantes",
    "stage-data-analyst-lyon", "chef-de-projet-digital", "charge-recrutement-it-lyon", "consultant-freelance-power-bi",
}
CLOSED_FR = {"architecte-cloud-azure-nantes", "consultant-pilotage-si-nantes"}
RECENTLY_CLOSED_FR = CLOSED_FR  # both closed within JOBS_RECRAWL_DAYS of TODAY


def visible_ids(doc):
    return {li.get("data-id") for li in doc.xpath("//ul[@data-facet-results]/li[not(@hidden)]")}


def test_listing_shows_open_jobs_of_its_language_only(site):
    fr = page(site / "emplois" / "index.html")
    en = page(site / "en" / "jobs" / "index.html")
    assert visible_ids(fr) == OPEN_FR
    assert visible_ids(en) == {"ingenieur-data-nantes", "data-scientist-lyon", "consultant-cloud-aws-grenoble", "ingenieur-devops-kubernetes"}
    assert fr.xpath("string(//h1)") == "Offres d'emploi" and en.xpath("string(//h1)") == "Jobs"
    # The listings link each other, and the menu has the jobs entry second.
    assert fr.xpath("//nav[contains(@class,'lang-switch')]//a[@hreflang='en']/@href") == ["/en/jobs/"]
    assert fr.xpath("//nav[@class='main-nav']//li[2]/a/@href") == ["/emplois/"]
    assert fr.xpath("//nav[@class='main-nav']//li[2]/a/@aria-current") == ["page"]
    # The filter form works without JavaScript (its checkboxes, through filters.css); the text search waits for the script.
    assert fr.xpath("//form[@data-facets]/@hidden") == [] and fr.xpath("//script[@src='/theme/js/facets.js']")
    assert fr.xpath("//p[@data-js-only]/@hidden") == [""] and fr.xpath("//link[@href='/emplois/filters.css']")
    # Jobs first: the filter panel is folded, the results come before the static facet links.
    assert fr.xpath("//details[@class='filter-panel']/@open") == []
    order = [e.get("id") or e.tag for e in fr.xpath("//*[@id='job-results'] | //nav[@data-facets-fallback]")]
    assert order == ["job-results", "nav"]


def test_filters_css_combines_facets_for_browsers_without_javascript(site):
    """Each card carries its facet values; filters.css hides the cards no checked box of a facet names."""
    fr = page(site / "emplois" / "index.html")
    card = fr.xpath("//li[@data-id='chef-de-projet-digital']")[0]
    assert card.get("data-location") == "lyon nantes" and card.get("data-department") and card.get("data-contract") == "cdi"
    css = (site / "emplois" / "filters.css").read_text()
    for facet in ("department", "location", "remote", "contract", "experience"):
        assert f'.job-list:has([data-facet="{facet}"] input:checked) .job-cards > li:not(' in css
    assert '.job-list:has(#jf-location-nantes:checked) .job-cards > li[data-location~="nantes"]' in css
    assert fr.xpath("//input[@id='jf-location-nantes'][@name='location'][@value='nantes']")


def test_static_facet_pages_filter_and_count(site):
    index = json.loads((site / "emplois" / "index.json").read_text())
    items = {item["id"]: item for item in index["items"]}
    assert set(items) == OPEN_FR
    listing = page(site / "emplois" / "index.html")
    pages = {
        ("department", "data"): "emplois/departement/data/",
        ("location", "lyon"): "emplois/lieu/lyon/",
        ("remote", "remote"): "emplois/teletravail/remote/",
        ("contract", "cdi"): "emplois/contrat/cdi/",
        ("experience", "senior"): "emplois/experience/senior/",
    }
    for (facet, key), url in pages.items():
        expected = {i for i, item in items.items() if key in item["facets"][facet]}
        doc = page(site / url / "index.html")
        assert visible_ids(doc) == expected and expected, url
        link = listing.xpath(f"//nav[@data-facets-fallback]//a[@href='/{url}']")
        assert link and link[0].text_content().endswith(f"({len(expected)})"), url
        assert doc.xpath(f"//a[@href='/{url}']/@aria-current") == ["page"]
        assert doc.xpath(f"//input[@name='{facet}'][@value='{key}']/@checked") == ["checked"]
    assert page(site / "emplois/lieu/lyon/index.html").xpath("string(//h1)") == "Lieu : Lyon"
    assert (site / "en/jobs/department/data/index.html").exists() and (site / "en/jobs/location/nantes/index.html").exists()
    # Counts in the form follow the same numbers.
    assert listing.xpath("string(//span[@data-count-for='location:lyon'])") == "5"


def test_json_index_follows_the_facets_contract(site):
    index = json.loads((site / "en" / "jobs" / "index.json").read_text())
    for item in index["items"]:
        assert set(item) >= {"id", "text", "facets"}
        assert set(item["facets"]) == {"department", "location", "remote", "contract", "experience"}
        assert all(isinstance(v, list) for v in item["facets"].values())
    devops = next(i for i in index["items"] if i["id"] == "ingenieur-devops-kubernetes")
    assert devops["facets"]["remote"] == ["remote"] and devops["facets"]["location"] == []
    assert "Kubernetes" in devops["text"]


def test_open_job_page_shows_everything_and_a_clear_call_to_action(site):
    doc = page(site / "emplois" / "ingenieur-data-nantes" / "index.html")
    assert doc.xpath("string(//h1)") == "Ingénieur·e data (H/F)"
    assert doc.xpath("//a[@class='button'][@href='#apply']")
    apply = doc.xpath("//section[@id='apply']//a[@class='button']/@href")
    assert apply and apply[0].startswith("mailto:recrutement@cardamome.example?subject=")
    assert doc.xpath("string(//dd[@class='job-salary'])") == "45\u202f000\u00a0€ – 55\u202f000\u00a0€ brut par an"
    assert doc.xpath("//ul[contains(@class,'must-have')]/li/text()") == ["Python", "SQL", "modélisation de données", "Git"]
    assert doc.xpath("//ul[contains(@class,'nice-to-have')]/li/text()")[0] == "dbt"
    steps = doc.xpath("//ol[@class='job-steps']/li/text()")
    assert len(steps) == 4 and steps[0].startswith("Un appel de 30 minutes")
    similar = doc.xpath("//section[@id='similar']//h3/a/@href")
    assert 0 < len(similar) <= 3 and "/emplois/ingenieur-data-nantes/" not in similar
    assert all(href.strip("/").split("/")[-1] in OPEN_FR for href in similar)
    # Share links carry no tracker and load nothing.
    shares = doc.xpath("//section[contains(@class,'job-share')]//a/@href")
    assert len(shares) == 3 and not any("utm_" in s for s in shares)
    assert doc.xpath("//meta[@name='robots']") == []
    # Hreflang alternates link the translation.
    alternates = {l.get("hreflang"): l.get("href") for l in doc.xpath("//link[@rel='alternate'][@hreflang]")}
    assert alternates["en"] == f"{PUBLIC}/en/jobs/ingenieur-data-nantes/"
    # Default interview steps come from the settings when a job lists none.
    python = page(site / "emplois" / "developpeur-python-nantes" / "index.html")
    assert python.xpath("//ol[@class='job-steps']/li/text()")[0] == "Un appel de 30 minutes avec une personne du recrutement"


def test_closed_job_shows_filled_banner_and_similar_open_jobs(site):
    for slug in CLOSED_FR:
        doc = page(site / "emplois" / slug / "index.html")
        banner = doc.xpath("//div[contains(@class,'job-closed')]")[0]
        assert "Ce poste n'est plus ouvert" in banner.text_content()
        assert banner.xpath(".//a[@href='#similar']") and banner.xpath(".//a[@href='/emplois/']")
        similar = doc.xpath("//section[@id='similar']//h3/a/@href")
        assert similar and all(h.strip("/").split("/")[-1] in OPEN_FR for h in similar)
        assert not doc.xpath("//section[contains(@class,'job-share')]")
    en = page(site / "en" / "jobs" / "architecte-cloud-azure-nantes" / "index.html")
    assert "This position is no longer open" in en.xpath("string(//div[contains(@class,'job-closed')])")


def test_closed_jobs_are_absent_from_listings_and_home_and_in_the_sitemap_only_to_be_recrawled(site):
    tree = etree.parse(str(site / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {u.findtext("s:loc", namespaces=ns) for u in tree.findall("s:url", ns)}
    for slug in OPEN_FR:
        assert f"{PUBLIC}/emplois/{slug}/" in locs
    for slug in CLOSED_FR:  # closed within JOBS_RECRAWL_DAYS: listed only to be recrawled (test_jsonld)
        assert (f"{PUBLIC}/emplois/{slug}/" in locs) == (slug in RECENTLY_CLOSED_FR)
    assert {f"{PUBLIC}/emplois/", f"{PUBLIC}/en/jobs/", f"{PUBLIC}/emplois/lieu/lyon/", f"{PUBLIC}/en/jobs/location/lyon/"} <= locs
    alternate = tree.xpath("//s:url[s:loc='%s/emplois/ingenieur-data-nantes/']/*[local-name()='link']/@href" % PUBLIC, namespaces=ns)
    assert f"{PUBLIC}/en/jobs/ingenieur-data-nantes/" in alternate
    for listing in ("emplois/index.html", "emplois/departement/cloud/index.html", "index.html"):
        text = (site / listing).read_text()
        assert not any(f"/emplois/{slug}/" in text for slug in CLOSED_FR), listing


def test_home_pages_show_latest_open_jobs(site):
    fr = page(site / "index.html")
    links = fr.xpath("//section[@aria-labelledby='home-jobs']//h3/a/@href")
    assert links[0] == "/emplois/consultant-freelance-power-bi/"  # newest first
    assert len(links) == 4 and all(l.strip("/").split("/")[-1] in OPEN_FR for l in links)
    en = page(site / "en" / "index.html")
    assert en.xpath("//section[@aria-labelledby='home-jobs']//a[@class='more']/@href") == ["/en/jobs/"]


def test_expiry_follows_today(tmp_path):
    """The same content built later: a job past its Valid_through disappears."""
    from tests.conftest import run_pelican

    output = tmp_path / "out"
    result = run_pelican(ROOT / "content", output, today="2026-12-20")
    assert result.returncode == 0, result.stderr
    listing = page(output / "emplois" / "index.html")
    assert "consultant-freelance-power-bi" not in visible_ids(listing)  # valid through 2026-12-19
    doc = page(output / "emplois" / "consultant-freelance-power-bi" / "index.html")
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
    assert "consultant-freelance-power-bi" not in (output / "feeds" / "jobs.atom.xml").read_text()
    # It stays in the sitemap, with the day it expired as lastmod, so search engines recrawl it and see it noindex.
    assert "consultant-freelance-power-bi/</loc>\n    <lastmod>2026-12-20T00:00:00+01:00</lastmod>" in (output / "sitemap.xml").read_text()


def vivier(*args):
    return subprocess.run([sys.executable, "-m", "vivier", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def _filled(text: str) -> str:
    """A new job's text once its editor replaced the examples `vivier new job` wrote."""
    from careers.job_template import BODY

    reference = re.search(r"(?m)^Reference: (.*)$", text).group(1)
    text = re.sub(r"(?m)^Hiring_manager: .*$", "Hiring_manager: Rémi Caron, responsable cloud", text)
    text = re.sub(r"(?m)^Summary: .*$", "Summary: Concevoir les plateformes Azure de nos clients.", text)
    text = re.sub(r"(?m)^Interview_steps: .*$", "Interview_steps: Un appel; Un entretien", text)
    text = text.replace("CC-2026-014", reference)
    for sections in BODY.values():
        for _, sentence in sections:
            text = text.replace(sentence, "Un texte écrit pour ce poste.")
    return text


def test_vivier_new_job_writes_a_complete_valid_file(tmp_path):
    # Only the job ads: this test is about them, not about the rest of the content.
    content_copy = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "jobs", content_copy / "jobs")
    conf = settings_file(tmp_path, content_copy)
    created = vivier("--settings", str(conf), "new", "job", "Ingénieur·e cloud Azure (H/F)")
    assert created.returncode == 0, created.stderr
    path = content_copy / "jobs" / "ingenieur-cloud-azure.md"
    assert created.stdout.strip() == str(path)
    text = path.read_text()
    for field in ("Title", "Slug", "Reference", "Lang", "Status", "Department", "Locations", "Remote", "Contract",
                  "Working_time", "Salary_min", "Salary_max", "Salary_currency", "Salary_period", "Experience",
                  "Must_have", "Nice_to_have", "Hiring_manager", "Apply_url", "Apply_email", "Date",
                  "Valid_through", "Interview_steps", "Applicant_countries", "Summary"):
        assert f"\n{field}: " in "\n" + text, field
    assert "Title: Ingénieur·e cloud Azure (H/F)" in text and "Field guide" in text
    assert "Reference: JOB-20261122-" in text and "Valid_through: 2027-01-21" in text
    # Left as written, its examples would be published: the check refuses it until they are replaced.
    check = vivier("--settings", str(conf), "check")
    assert check.returncode == 1 and "jobs/ingenieur-cloud-azure.md:" in check.stderr, check.stdout + check.stderr
    text = _filled(text)
    path.write_text(text)
    check = vivier("--settings", str(conf), "check")
    assert check.returncode == 0, check.stdout + check.stderr
    again = vivier("--settings", str(conf), "new", "job", "Ingénieur·e cloud Azure (H/F)")
    assert again.returncode != 0 and "already exists" in again.stderr
    # The application link of the template is off the career site (an ATS), so `make check` finds no dead link.
    assert "Apply_url: https://recrutement.cardamome.example/" in text

    # The English version starts in English, and passes once it shares the French file's Reference and Slug.
    english = vivier("--settings", str(conf), "new", "job", "Azure cloud engineer", "--lang", "en")
    assert english.returncode == 0, english.stderr
    en_path = content_copy / "jobs" / "en" / "azure-cloud-engineer.md"
    en_text = en_path.read_text()
    header = en_text.split("<!--")[0]
    assert "Summary: One sentence that makes people want to apply." in header and "## Your mission" in en_text
    assert not re.search(r"Une phrase|Appel de|responsable|modélisation", header), header
    shared = {name: re.search(rf"(?m)^{name}: (.*)$", text).group(1) for name in ("Reference", "Slug")}
    for name, value in shared.items():
        en_text = re.sub(rf"(?m)^{name}: .*$", f"{name}: {value}", en_text)
    en_path.write_text(_filled(en_text))
    check = vivier("--settings", str(conf), "check")
    assert check.returncode == 0, check.stdout + check.stderr
