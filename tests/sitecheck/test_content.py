"""`make check` refuses inline scripts, markup in titles and pages or feeds over their size budget."""

from __future__ import annotations

from sitecheck import Site, content

from tests.sitecheck.conftest import FAST, PUBLIC, inject, page_html, site_check


def test_inline_scripts_fail_and_data_blocks_pass(mini_site):
    root = mini_site({
        "index.html": page_html(
            '<script type="application/ld+json">{"@type": "JobPosting"}</script>\n'
            '<script type="application/json" data-config>{"a": 1}</script>\n'
            '<script src="/theme/js/facets.js" defer></script>\n'
            '<script>document.title = "x"</script>\n'
            '<a href="javascript:alert(1)">x</a> <img src="a.png" alt="" onerror="alert(1)">'),
    })
    found, count, unit = content.run(Site(root, PUBLIC))
    assert (count, unit) == (1, "pages")
    messages = [(p.line, p.message) for p in found]
    assert messages[0][1].startswith("inline <script> 'document.title = \"x\"': the site's Content-Security-Policy blocks it")
    assert messages[0][0] == 16  # its line in the page
    assert [m for _, m in messages[1:]] == ["<a> carries script in an attribute (javascript: or on…=)",
                                             "<img> carries script in an attribute (javascript: or on…=)"]


def test_markup_shown_in_a_title_fails(mini_site):
    root = mini_site({"index.html": page_html("<p>x</p>", title="Poste &lt;b&gt;data&lt;/b&gt;",
                                              head='<meta property="og:title" content="&lt;i&gt;x&lt;/i&gt;">')})
    found, _, _ = content.run(Site(root, PUBLIC))
    assert [p.message for p in found] == [
        "<title> shows HTML markup '<b>' as text", "<h1> shows HTML markup '<b>' as text",
        "<meta> shows HTML markup '<i>' as text",
    ]
    assert all(p.fix == content.FIX_TITLE for p in found)


def test_pages_and_feeds_over_their_budget_fail(mini_site):
    big = "<p>" + "x" * 3000 + "</p>"
    root = mini_site({
        "index.html": page_html("<p>x</p>"),
        "articles/long/index.html": page_html(big),
        "feeds/articles.atom.xml": "<feed>" + "x" * 3000 + "</feed>",
        "feeds/jobs-indeed.xml": "<source>" + "x" * 3000 + "</source>",  # a complete list by design: no budget
    })
    found, _, _ = content.run(Site(root, PUBLIC, budgets={"page": 2, "feed": 2}))
    assert [(p.path, p.message) for p in found] == [
        ("articles/long/index.html", "the page weighs 4 KB, over its budget of 2 KB (CAREERS_MAX_PAGE_KB)"),
        ("feeds/articles.atom.xml", "the feed weighs 3 KB, over its budget of 2 KB (CAREERS_MAX_FEED_KB)"),
    ]
    assert content.run(Site(root, PUBLIC))[0] == []  # no budgets given, none held


def test_make_check_fails_on_a_script_in_a_published_article(site_copy):
    article = site_copy / "articles" / "equipe-data-nantes" / "index.html"
    inject(article, "</h1>", "</h1><script>window.slipped = 1</script>")
    line = next(n for n, text in enumerate(article.read_text().splitlines(), 1) if "window.slipped" in text)
    result = site_check(site_copy, "--skip", FAST)
    assert result.exit_code == 1, result.output
    assert f"articles/equipe-data-nantes/index.html:{line}: inline <script> 'window.slipped = 1'" in result.output
    assert "✗ content" in result.output and "✓ links" in result.output


def test_the_sample_site_is_within_the_default_budgets(site):
    from careers.settings import DEFAULTS

    budgets = {"page": DEFAULTS["CAREERS_MAX_PAGE_KB"], "feed": DEFAULTS["CAREERS_MAX_FEED_KB"]}
    found, count, _ = content.run(Site(site, PUBLIC, budgets=budgets))
    assert found == [] and count > 100
