"""`vivier newsletter new`: the file it writes builds once its translation shares its Slug."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT, copy_content, settings_file


def vivier(*args):
    return subprocess.run([sys.executable, "-m", "vivier", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env={**os.environ, "COLUMNS": "400"})


def test_new_campaign_and_its_translation_pass_the_check(tmp_path):
    content = copy_content(tmp_path)
    conf = settings_file(tmp_path, content)
    fr = vivier("-s", str(conf), "newsletter", "new", "Data et cloud : nos offres de décembre")
    en = vivier("-s", str(conf), "newsletter", "new", "Data and cloud: our December openings", "--lang", "en")
    assert fr.returncode == 0 and en.returncode == 0, fr.stderr + en.stderr
    fr_path = content / "newsletters" / "data-et-cloud-nos-offres-de-decembre.md"
    en_path = content / "newsletters" / "en" / "data-and-cloud-our-december-openings.md"
    assert fr.stdout.strip() == str(fr_path) and en.stdout.strip() == str(en_path)
    en_header = en_path.read_text().split("<!--")[0]
    assert "Subject: Three data jobs in Lyon for you" in en_header and "Cta_url: en/jobs/" in en_header
    assert not re.search(r"offres|Bonjour|Voir toutes", en_path.read_text()), en_header

    # Two slugs: each file lists the other language, and the message says where that file goes.
    check = vivier("-s", str(conf), "check")
    flat = " ".join((check.stdout + check.stderr).split())
    assert check.returncode == 1
    assert ("lists 'en' but no en file has Slug 'data-et-cloud-nos-offres-de-decembre'; give the en file this Slug, "
            "add one in content/newsletters/en/ or remove 'en' from Languages") in flat
    assert "add one in content/newsletters/ or remove 'fr' from Languages" in flat
    assert "content/newsletters/fr/" not in flat

    # The same Slug, as docs/newsletters.md says: every example value is valid for the sample site.
    en_path.write_text(re.sub(r"(?m)^Slug: .*", "Slug: data-et-cloud-nos-offres-de-decembre", en_path.read_text()))
    check = vivier("-s", str(conf), "check")
    assert check.returncode == 0, check.stdout + check.stderr
