"""The two roles: the site role builds without a store; the mail role's systemd units are valid."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from talentpool.location import DatabaseUrl
from talentpool.store import Store
from tests.conftest import ROOT, copy_content, run_pelican, settings_file
from tests.delivery.smtpserver import smtp_server
from tests.mailing.test_engine import World

UNITS = ROOT / "deploy" / "systemd"


def test_the_site_role_builds_the_site_without_opening_a_store_or_planning_mail(tmp_path):
    content = copy_content(tmp_path)
    pool, outbox = tmp_path / "pool.sqlite3", tmp_path / "outbox"
    env = {"VIVIER_POOL": str(pool), "VIVIER_OUTBOX": str(outbox), "VIVIER_MAIL_PLANNING": "off"}
    result = run_pelican(content, tmp_path / "output", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "output" / "index.html").is_file()
    assert not pool.exists() and not outbox.exists()  # no store created, no plan written


def _render(folder: Path) -> list[Path]:
    """The units with this checkout's paths (ExecStart must name an existing executable)."""
    home = str(ROOT)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    assert gunicorn.is_file(), "gunicorn is a dependency (pyproject.toml): make test-deps installs it"
    rendered = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text().replace("@VIVIER_HOME@/.venv/bin/", str(Path(sys.executable).parent) + "/")
        text = text.replace("@VIVIER_HOME@", home).replace("@VIVIER_DATA@", str(folder))
        text = text.replace("EnvironmentFile=/etc/vivier/vivier.env", f"EnvironmentFile={folder / 'vivier.env'}")
        text = text.replace("User=vivier\n", "").replace("Group=vivier\n", "")  # no such user on a test machine
        (folder / unit.name).write_text(text)
        rendered.append(folder / unit.name)
    (folder / "vivier.env").write_text("VIVIER_SECRET=test\n")
    return rendered


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (Debian: systemd)")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    units = _render(tmp_path)
    assert {unit.name for unit in units} == {"vivier-daily.service", "vivier-daily.timer", "vivier-webapp.service"}
    result = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "vivier" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr
    timer = (UNITS / "vivier-daily.timer").read_text()
    assert "Persistent=true" in timer and "RandomizedDelaySec=" in timer
    for name in ("vivier-daily.service", "vivier-webapp.service"):
        text = (UNITS / name).read_text()
        for option in ("NoNewPrivileges=true", "ProtectSystem=strict", "PrivateTmp=true", "ReadWritePaths=", "EnvironmentFile="):
            assert option in text, f"{name}: {option}"


def _block(text: str, language: str) -> str:
    return text.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_documented_set_up_and_cron_line_match_the_code_and_run_on_a_fresh_install():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    setup, cron = _block(guide, "sh"), _block(guide, "cron")
    # The cron line appends to no file (a missing reports/ made it fail; cron mails the output).
    job = next(line for line in cron.splitlines() if line[:1].isdigit())
    assert ">" not in job and job.rstrip().endswith("vivier daily"), job
    # The private area and its folders exist, 0700, before the first run.
    install = next(line for line in setup.splitlines() if line.startswith("install -d -o vivier"))
    assert "-m 0700" in install and "/var/lib/vivier/reports" in install and "/var/lib/vivier/backups" in install
    # Every make target, unit and vivier command the set-up names exists.
    for line in setup.splitlines():
        if "make -C /srv/vivier" in line:
            targets = line.split("make -C /srv/vivier", 1)[1].split("#")[0].split()
            assert subprocess.run(["make", "-n", "-C", str(ROOT), *targets], capture_output=True).returncode == 0, targets
        if "/srv/vivier/deploy/systemd/$unit" in line:
            assert all((UNITS / unit).is_file() for unit in setup.split("for unit in ", 1)[1].split(";")[0].split())
    for command in (["pool", "import", "--help"], ["daily", "--help"]):
        result = subprocess.run([sys.executable, "-m", "vivier", *command], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    assert "VIVIER_SECRET=" in setup and "change-me" not in setup
    # The `vivier` user sources the env file (cron line, commands): it can read it.
    assert "install -d -o root -g vivier -m 0750 /etc/vivier" in setup
    assert "chown root:vivier /etc/vivier/vivier.env && chmod 0640 /etc/vivier/vivier.env" in setup


def test_the_documented_postgresql_set_up_runs_against_a_real_server(postgres_server, tmp_path):
    """The PostgreSQL section's own commands: its createuser and createdb arguments make a database the store
    accepts, its URL (local socket, no password) reaches it, the sample loads and `vivier daily` runs on it."""
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    setup = _block(guide.split("### PostgreSQL", 1)[1], "sh").splitlines()
    assert setup[0] == "apt-get install -y postgresql"  # the package `make test` installs for these tests
    client = ["-h", str(postgres_server.socket_dir), "-p", str(postgres_server.port), "-U", "postgres"]
    made = [shlex.split(line.removeprefix("runuser -u postgres -- ")) for line in setup if line.startswith("runuser -u postgres")]
    assert [args[0] for args in made] == ["createuser", "createdb"]
    env_lines = setup[setup.index("cat >> /etc/vivier/vivier.env <<'ENV'") + 1:setup.index("ENV")]
    settings = dict(line.split("=", 1) for line in env_lines)
    # This cluster's socket folder and port stand in for Debian's /var/run/postgresql and 5432.
    pool = settings["VIVIER_POOL"].replace("/var/run/postgresql", str(postgres_server.socket_dir))
    pool += f"&port={postgres_server.port}"
    try:
        for args in made:
            subprocess.run([str(postgres_server.bindir / args[0]), *client, *args[1:]], check=True, capture_output=True,
                           timeout=60)
        world = World(tmp_path, DatabaseUrl(pool))  # runs `vivier pool load-sample` with VIVIER_POOL=URL
        world.env["VIVIER_PRIVATE_DIR"] = str(tmp_path / settings["VIVIER_PRIVATE_DIR"].strip("/"))
        with smtp_server() as (recorder, port):
            with open(world.conf, "a") as conf:
                conf.write(f"MAILING_SMTP_HOST = '127.0.0.1'\nMAILING_SMTP_PORT = {port}\nMAILING_SMTP_SECURITY = 'none'\n")
            daily = world.vivier("daily")
        assert daily.returncode == 0, daily.stdout + daily.stderr
        assert recorder.messages and max(recorder.message_ids().values()) == 1
        private = Path(world.env["VIVIER_PRIVATE_DIR"])
        assert list((private / "reports").glob("daily-*.json")) and list((private / "backups").glob("vivier-*.sqlite3"))
        with Store(world.pool, create=False) as store:
            assert store.count() > 0 and store.is_postgres
    finally:
        postgres_server.drop_database("vivier")
        with postgres_server.connect() as conn:
            conn.execute("DROP ROLE IF EXISTS vivier")


def test_every_command_reads_the_settings_file_named_by_vivier_settings_as_the_web_application_does(tmp_path):
    """The mail role sets VIVIER_SETTINGS=publishconf.py once: `vivier daily` must build its mail with the
    production PUBLIC_URL too, not pelicanconf.py's (the emails' links pointed at the preview settings)."""
    conf = settings_file(tmp_path, ROOT / "content")
    with conf.open("a") as extra:
        extra.write(f"POOL_SAMPLE_STORE = {str(tmp_path / 'chosen-sample.sqlite3')!r}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("VIVIER_POOL", "VIVIER_SAMPLE_POOL")}
    shown = subprocess.run([sys.executable, "-m", "vivier", "pool", "site-env"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120, env={**env, "VIVIER_SETTINGS": str(conf)})
    assert shown.returncode == 0, shown.stderr
    assert str(tmp_path / "chosen-sample.sqlite3") in shown.stdout
