"""The publishing pipeline: the CI workflow lints, triggers and deploys as agreed;
`make test` ends with a production build checked by `make check`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"
ACTIONLINT = Path(sys.executable).with_name("actionlint")


def actionlint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ACTIONLINT), "-no-color", str(path)], capture_output=True, text=True, timeout=60)


def test_the_workflow_passes_actionlint():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_really_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-on: ${{ matrix.os }}", 1))
    result = actionlint(broken)
    assert result.returncode == 1
    assert "matrix" in result.stdout


def test_workflow_triggers_checks_and_deploys_only_main():
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert "pull_request" in triggers and triggers["schedule"][0]["cron"]
    build = flow["jobs"]["build"]
    runs = [step.get("run") for step in build["steps"] if step.get("run")]
    assert runs == ["make test", "make publish", "make check"]
    upload = next(s for s in build["steps"] if str(s.get("uses", "")).startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "output/"
    assert "pull_request" in upload["if"] and "refs/heads/main" in upload["if"]
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and "refs/heads/main" in deploy["if"] and "pull_request" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert flow["permissions"] == {"contents": "read"}


def test_make_test_runs_the_suite_then_checks_a_production_build():
    # When the suite itself runs under `make test`, MAKELEVEL makes a nested make
    # print "Entering directory <path>" lines; the plan must not depend on that.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}
    dry_run = ["make", "--no-print-directory", "-n"]
    plan = subprocess.run(dry_run + ["-W", "requirements.lock", "test"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert plan.returncode == 0, plan.stderr
    commands = [line.split() for line in plan.stdout.splitlines()]

    def position(predicate):
        return next(i for i, words in enumerate(commands) if words and predicate(words))

    pytest_at = position(lambda words: words[0] == ".venv/bin/pytest")
    def sub_make(target):
        return lambda words: words[-1] == target and any(Path(word).name == "make" for word in words)

    publish_at = position(sub_make("publish"))
    check_at = position(sub_make("check"))
    assert pytest_at < publish_at < check_at
    checks = subprocess.run(dry_run + ["check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert ".venv/bin/vivier -s publishconf.py site-check output" in checks.stdout


def test_publishconf_makes_absolute_urls_and_no_drafts(monkeypatch):
    from vivier.config import load_settings

    monkeypatch.setenv("VIVIER_SECRET", "test-only")
    settings = load_settings(ROOT / "publishconf.py")
    assert settings["SITEURL"] == settings["PUBLIC_URL"] == "https://carrieres.cardamome.example"
    assert settings["RELATIVE_URLS"] is False
    assert settings["DRAFT_SAVE_AS"] == "" and settings["DRAFT_LANG_SAVE_AS"] == ""
    assert settings["LOAD_CONTENT_CACHE"] is False
    monkeypatch.setenv("VIVIER_PUBLIC_URL", "https://staging.cardamome.example")
    assert load_settings(ROOT / "publishconf.py")["SITEURL"] == "https://staging.cardamome.example"
