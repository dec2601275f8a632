"""Feeds and XML/JSON files parse; feed entries link to built pages."""

from __future__ import annotations

import json

from sitecheck import Site, feeds

from tests.sitecheck.conftest import PUBLIC, page_html

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <id>{PUBLIC}/feeds/jobs.atom.xml</id><title>Offres de Cardamome Conseil</title><updated>2026-11-20T09:00:00+01:00</updated>
  <link href="{PUBLIC}/emplois/" rel="alternate"/>
  <entry><id>{PUBLIC}/emplois/ingenieur-data-nantes/</id><title>Ingénieur·e data</title>
    <link href="{{link}}"/><updated>2026-11-20T09:00:00+01:00</updated></entry>
</feed>
"""


def run(mini_site, files):
    root = mini_site({"index.html": page_html("<p>x</p>"), "emplois/ingenieur-data-nantes/index.html": page_html("<p>Offre</p>"), **files})
    return feeds.run(Site(root, PUBLIC))


def test_a_good_atom_feed_and_json_feed_pass(mini_site):
    json_feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Offres",
                 "items": [{"id": "1", "url": f"{PUBLIC}/emplois/ingenieur-data-nantes/"}]}
    found, count, _ = run(mini_site, {
        "feeds/jobs.atom.xml": ATOM.replace("{link}", f"{PUBLIC}/emplois/ingenieur-data-nantes/"),
        "feeds/jobs.json": json.dumps(json_feed),
    })
    assert (found, count) == ([], 2)


def test_malformed_xml_is_reported_with_its_line(mini_site):
    found, _, _ = run(mini_site, {"feeds/jobs-indeed.xml": "<?xml version='1.0'?>\n<source>\n<job><title>Data</title></source>\n"})
    assert len(found) == 1
    assert found[0].path == "feeds/jobs-indeed.xml" and found[0].line == 3
    assert found[0].message.startswith("not well-formed XML: ")


def test_feed_entry_to_a_page_that_is_not_built(mini_site):
    found, _, _ = run(mini_site, {"feeds/jobs.atom.xml": ATOM.replace("{link}", f"{PUBLIC}/emplois/poste-pourvu/")})
    assert [p.message for p in found] == [
        f"entry 1 ('Ingénieur·e data') links to {PUBLIC}/emplois/poste-pourvu/, which is not built (no such file in the built site)"
    ]


def test_invalid_json_and_json_feed_items_without_id(mini_site):
    json_feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Offres", "items": [{"url": f"{PUBLIC}/emplois/absente/"}]}
    found, _, _ = run(mini_site, {"emplois/index.json": "{'offres': []}", "feeds/jobs.json": json.dumps(json_feed)})
    messages = sorted(p.message for p in found)
    assert messages[0].startswith("item 1 ('untitled') has no id")
    assert messages[1].startswith(f"item 1 ('untitled') links to {PUBLIC}/emplois/absente/, which is not built")
    assert messages[2].startswith("not valid JSON: ")


RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Offres</title><link>{{link}}</link><description>Offres</description>
  <item><title>Ingénieur·e data</title><link>{PUBLIC}/emplois/ingenieur-data-nantes/</link></item>
</channel></rss>
"""


def test_a_feed_whose_link_is_the_feed_itself_is_refused(mini_site):
    found, _, _ = run(mini_site, {"feeds/jobs.rss.xml": RSS.replace("{link}", f"{PUBLIC}/feeds/jobs.rss.xml"),
                                  "index.json": json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "O",
                                                            "home_page_url": f"{PUBLIC}/feeds/jobs.rss.xml", "items": []})})
    assert sorted(p.message for p in found) == [
        f"home_page_url points at {PUBLIC}/feeds/jobs.rss.xml, a .xml file, not at the page the feed follows",
        f"the feed's <link> points at {PUBLIC}/feeds/jobs.rss.xml, a .xml file, not at the page the feed follows",
    ]
    found, _, _ = run(mini_site, {"feeds/jobs.rss.xml": RSS.replace("{link}", f"{PUBLIC}/emplois/ingenieur-data-nantes/"),
                                  "index.json": json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "O",
                                                            "home_page_url": f"{PUBLIC}/", "items": []})})
    assert found == []
