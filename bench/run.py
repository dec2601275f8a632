"""`make bench`: site builds, segment evaluation, newsletter planning and composition at scale.

Generates synthetic content and pools into a temporary folder (never into
content/ or var/), runs every measurement in its own process (`vivier build`
as `make site` runs it, and bare `pelican`, for builds; `worker.py` for the
rest) and prints one table per figure of issues 11 and 21, each target
beside its figure. `--quick` (100 jobs, a pool of 2k, no relay) runs in
under a minute on an idle machine.
`--only compose` runs only "Composition alone" (on the largest pool), as
many times as `--repeat` says; with `--keep DIR` a pool and plan already in
DIR are reused, so a second run takes seconds.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "plugins"))

import synth_content  # noqa: E402  (bench/ is this script's folder)
import synth_pool  # noqa: E402

PY = sys.executable
TODAY = "2026-11-22"
NEWSLETTER = "2026-12-data-cloud"  # the sample campaign with per-member job matches


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str
    cpu: float = 0.0  # user + system seconds of the process and every child it waited for (its whole tree)
    tree_mb: float = 0.0  # peak of the whole process tree's proportional set size (PSS), sampled


class TreeMemory(threading.Thread):
    """Samples the memory of a process and all its descendants until it ends: the peak of their summed PSS.

    PSS (`/proc/<pid>/smaps_rollup`) counts a page shared by several
    processes once in all (a forked child shares most of its parent's
    pages): the tree's real footprint, where summing RSS would count the
    shared pages in every process. Sampled every 0.1 s; a peak shorter than
    that may be missed.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
            except OSError:
                pass
        return found

    def run(self) -> None:
        while not self.done.wait(0.1):
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as handle:
                        total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
                except (OSError, StopIteration, ValueError):
                    pass
            self.peak_kb = max(self.peak_kb, total)


def run(cmd: list[str], env: dict, *, cwd: Path = ROOT, timeout: float = 3600) -> Run:
    """Run a command, wall-clock timed, with the child's own peak RSS (os.wait4) and its tree's (sampled PSS)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = TreeMemory(process.pid)
        sampler.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if process.returncode != 0:
        sys.exit(f"benchmark step failed ({' '.join(map(str, cmd))}):\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, stdout, stderr, usage.ru_utime + usage.ru_stime, sampler.peak_kb / 1024)


def worker(task: str, *args, env: dict) -> tuple[dict, Run]:
    result = run([PY, str(HERE / "worker.py"), task, *map(str, args)], env)
    return json.loads(result.stdout.strip().splitlines()[-1]), result


def table(title: str, headers: list[str], rows: list[list]) -> None:
    """A plain aligned table (copied as is into docs/performance.md)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n{title}")
    print("  " + "  ".join(h.ljust(w) for h, w in zip(cells[0], widths)))
    print("  " + "  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print("  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
    sys.stdout.flush()


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            memory = f"{int(handle.readline().split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    return f"{os.cpu_count()} CPU, {memory}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


# --- site builds --------------------------------------------------------------------------

# Issue 21's build targets: ratios to bare Pelican (cold wall, cold CPU) at every size; a rebuild after one
# edit as a share of our cold build, at the largest size.
BUILD_TARGETS = {"cold": 1.00, "cpu": 1.30, "edit": 0.25, "memory": 2.00}


def site_conf(base: Path, content: Path, cache: Path) -> Path:
    """A settings file for `vivier build` on the benchmark's content: pelicanconf.py's, as `make site` uses it."""
    conf = base / "vivierconf.py"
    conf.write_text("\n".join([
        "import sys", f"sys.path.insert(0, {str(ROOT)!r})", "from pelicanconf import *  # noqa",
        f"PATH = {str(content)!r}", f"THEME = {str(ROOT / 'theme')!r}", f"CACHE_PATH = {str(cache)!r}", ""]))
    return conf


def vivier_build(conf: Path, output: Path, env: dict) -> Run:
    """`vivier build` as `make site` runs it (the pool fit table included), from the repository's folder."""
    return run([PY, "-m", "vivier", "-s", str(conf), "build", "-o", str(output)], env)


def pelican(content: Path, output: Path, cache: Path, env: dict, conf: Path) -> Run:
    return run([PY, "-m", "pelican", str(content), "-s", str(conf), "-o", str(output), "--fatal", "errors",
                "-e", f'CACHE_PATH="{cache}"'], env)


def edit_one_job(content: Path) -> Path:
    """Append a sentence to one synthetic job ad (as an editor would)."""
    path = sorted((content / "jobs").glob("*-00007.md"))[0]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\nLe poste est ouvert aux personnes en reconversion.\n")
    return path


def _fresh(env: dict, pristine_pool: Path, *folders: Path) -> None:
    """Put a round back at the start: no output, cache or outbox, the member store as loaded.

    A cold build must find nothing of the previous round: not its output and
    cache, not its outbox (whose unchanged compiled emails a build leaves
    alone), not the invitations it recorded in the store. The previous
    round's folders are moved aside (`_set_aside`), not deleted: on this
    machine's file system (ext4 without a journal, mounted with `discard`)
    deleting thousands of files made every file created in the next minutes
    slower, and more so round after round (the kernel skips inodes deleted
    less than a minute ago, or five if still unwritten, reading each one:
    `recently_deleted` and `find_inode_bit` were a quarter of a 100-job
    build's CPU samples under `perf`, and the system time of a cold
    1,000-job build grew from 0.9 to 3.6 s over six rounds). A real cold
    build (a fresh clone, CI) does not follow a mass deletion. The rounds
    also alternate who builds first.
    """
    for folder in (*folders, Path(env["VIVIER_OUTBOX"])):
        _set_aside(folder)
    shutil.copyfile(pristine_pool, env["VIVIER_POOL"])
    os.sync()
    time.sleep(2)


_ASIDE: list[Path] = []  # folders of earlier rounds, deleted when the benchmark ends (`discard_set_aside`)


def _set_aside(folder: Path) -> None:
    if not folder.exists():
        return
    aside = folder.parent / f".bench-old-{folder.name}-{len(_ASIDE)}-{os.getpid()}"
    folder.rename(aside)
    _ASIDE.append(aside)


def discard_set_aside() -> None:
    while _ASIDE:
        shutil.rmtree(_ASIDE.pop(), ignore_errors=True)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def site_builds(work: Path, sizes: list[int], articles: int, env: dict, rounds: int = 3) -> list[dict]:
    """Per size, `rounds` rounds of: cold (ours and bare, alternating who goes first), warm, after one edit.

    Ours is `vivier build` as `make site` runs it; bare is Pelican alone
    (bench/bareconf.py) on the same Markdown. Each round prints its figures
    and the machine's load average (1 and 5 minutes) when it started.
    """
    rows = []
    for jobs in sizes:
        base = work / f"site-{jobs}"
        counts = synth_content.write_site(base / "content", jobs, articles)
        bare_files = synth_content.write_bare(base / "content", base / "bare")
        print(f"  {jobs} jobs: {counts['markdown']} Markdown files ({counts['jobs']} jobs, {counts['articles']} articles), "
              f"{rounds} round(s)…", flush=True)
        conf = site_conf(base, base / "content", base / "cache")
        bare = dict(content=base / "bare", output=base / "out-bare", cache=base / "cache-bare", env=env, conf=HERE / "bareconf.py")
        runs: dict[str, list[Run]] = {k: [] for k in ("cold", "warm", "incremental", "bare_cold", "bare_warm")}
        pristine = work / "sample-pool.pristine.sqlite3"
        if not pristine.exists():
            shutil.copyfile(env["VIVIER_POOL"], pristine)
        for round_ in range(rounds):
            _fresh(env, pristine, base / "out", base / "cache", base / "out-bare", base / "cache-bare")
            load = _load()
            ours_cold = lambda: runs["cold"].append(vivier_build(conf, base / "out", env))  # noqa: E731
            bare_cold = lambda: runs["bare_cold"].append(pelican(**bare))  # noqa: E731
            for step in ((ours_cold, bare_cold) if round_ % 2 == 0 else (bare_cold, ours_cold)):
                step()
            runs["warm"].append(vivier_build(conf, base / "out", env))
            edit_one_job(base / "content")
            runs["incremental"].append(vivier_build(conf, base / "out", env))
            runs["bare_warm"].append(pelican(**bare))
            c, b = runs["cold"][-1], runs["bare_cold"][-1]
            print(f"    round {round_ + 1} (load {load}, {'ours' if round_ % 2 == 0 else 'bare'} first): "
                  f"cold {c.seconds:.2f} s, CPU {c.cpu:.2f} s | bare cold {b.seconds:.2f} s, CPU {b.cpu:.2f} s | "
                  f"ratio {c.seconds / b.seconds:.2f}, CPU {c.cpu / b.cpu:.2f} | warm {runs['warm'][-1].seconds:.2f} s, "
                  f"after 1 edit {runs['incremental'][-1].seconds:.2f} s ({runs['incremental'][-1].seconds / c.seconds:.2f} "
                  f"of cold) | bare warm {runs['bare_warm'][-1].seconds:.2f} s", flush=True)
        pages = sum(1 for _ in (base / "out").rglob("*.html"))
        bare_pages = sum(1 for _ in (base / "out-bare").rglob("*.html"))
        rows.append(dict(jobs=jobs, files=counts["markdown"], bare_files=bare_files, pages=pages, bare_pages=bare_pages,
                         runs=runs))
        _set_aside(base / "out-bare")
    return rows


def _spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    """'median (min–max)' of a list of figures."""
    fmt = f"{{:.{digits}f}}"
    text = fmt.format(_median(values)) + unit
    if len(values) > 1:
        text += f" ({fmt.format(min(values))}–{fmt.format(max(values))})"
    return text


def site_table(rows: list[dict], rounds: int) -> None:
    """Each figure beside its target: medians over rounds, ranges in brackets, ratios taken within each round."""
    lines = []
    for row in rows:
        runs = row["runs"]
        pairs = list(zip(runs["cold"], runs["bare_cold"]))
        wall = [o.seconds / b.seconds for o, b in pairs]
        cpu = [o.cpu / b.cpu for o, b in pairs]
        edit = [e.seconds / c.seconds for e, c in zip(runs["incremental"], runs["cold"])]
        memory = [o.peak_mb / b.peak_mb for o, b in pairs]
        tree = [o.tree_mb / b.tree_mb for o, b in pairs if b.tree_mb]

        def verdict(values, target):
            return "met" if _median(values) <= target else "missed"

        jobs = row["jobs"]
        lines += [
            [jobs, "cold build, wall", _spread([r.seconds for r in runs["cold"]], " s", 1),
             _spread([r.seconds for r in runs["bare_cold"]], " s", 1), _spread(wall), f"≤ {BUILD_TARGETS['cold']:.2f}",
             verdict(wall, BUILD_TARGETS["cold"])],
            [jobs, "cold build, CPU (tree)", _spread([r.cpu for r in runs["cold"]], " s", 1),
             _spread([r.cpu for r in runs["bare_cold"]], " s", 1), _spread(cpu), f"≤ {BUILD_TARGETS['cpu']:.2f}",
             verdict(cpu, BUILD_TARGETS["cpu"])],
            [jobs, "warm build, wall", _spread([r.seconds for r in runs["warm"]], " s", 1),
             _spread([r.seconds for r in runs["bare_warm"]], " s", 1),
             _spread([o.seconds / b.seconds for o, b in zip(runs["warm"], runs["bare_warm"])]), "—", ""],
            [jobs, "after 1 edit ÷ our cold", _spread([r.seconds for r in runs["incremental"]], " s", 1), "",
             _spread(edit), f"≤ {BUILD_TARGETS['edit']:.2f}" if jobs == max(r["jobs"] for r in rows) else "—",
             verdict(edit, BUILD_TARGETS["edit"]) if jobs == max(r["jobs"] for r in rows) else ""],
            [jobs, "peak RSS (largest process)", _spread([r.peak_mb for r in runs["cold"]], " MB", 0),
             _spread([r.peak_mb for r in runs["bare_cold"]], " MB", 0), _spread(memory), "—", ""],
            [jobs, "peak memory, whole tree (PSS)", _spread([r.tree_mb for r in runs["cold"]], " MB", 0),
             _spread([r.tree_mb for r in runs["bare_cold"]], " MB", 0), _spread(tree) if tree else "",
             f"≤ {BUILD_TARGETS['memory']:.2f}" if jobs == max(r["jobs"] for r in rows) else "—",
             verdict(tree, BUILD_TARGETS["memory"]) if tree and jobs == max(r["jobs"] for r in rows) else ""],
            [jobs, "pages written", row["pages"], row["bare_pages"], "", "", ""],
        ]
    table(f"Site build: ours (`vivier build`, as `make site` runs it) vs bare Pelican (same Markdown, default theme, "
          f"no plugin); medians of {rounds} round(s), (min–max) over rounds; ratios within each round",
          ["jobs", "measure", "ours", "bare", "ratio", "target", ""], lines)
    print("  CPU: user + system time of the whole process tree (children waited for), from os.wait4.\n"
          "  Whole tree: the peak of the summed PSS of the build and its children, sampled every 0.1 s.\n"
          "  The machine is shared: see each round's load average above; a ratio moves with it.")


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="under a minute: 100 jobs (3 rounds), a pool of 2k, no relay")
    parser.add_argument("--jobs", help="comma-separated job counts (default 100,1000,5000)")
    parser.add_argument("--articles", type=int, help="articles per site (default 300)")
    parser.add_argument("--pools", help="comma-separated pool sizes (default 10000,100000)")
    parser.add_argument("--only", choices=["site", "pool", "mail", "compose", "relay", "backends", "scale"], action="append",
                        help="run only these parts (compose: only composition alone, on the largest pool; "
                             "relay: the whole send path to a local SMTP relay, on the smallest pool; "
                             "backends: segment evaluation and the send path on SQLite and on PostgreSQL, "
                             "largest pool; scale: every kind planned over pools of 10k, 100k and 1M members, "
                             "or the --pools given)")
    parser.add_argument("--relay-messages", type=int, help="messages per relay run (default 5000; 1000 with --quick)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of composition alone (one row each; default 1)")
    parser.add_argument("--rounds", type=int, help="rounds of site builds per size, medians kept (default 3)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    args = parser.parse_args()
    sizes = [int(x) for x in (args.jobs or ("100" if args.quick else "100,1000,5000")).split(",")]
    articles = args.articles or 300
    pools = [int(x) for x in (args.pools or ("2000" if args.quick else "10000,100000")).split(",")]
    # --quick leaves out the relay (about 20 s of SMTP): `--quick --only relay` runs it.
    parts = set(args.only or (["site", "pool", "mail", "scale"] if args.quick
                              else ["site", "pool", "mail", "relay", "backends", "scale"]))
    # The mail side at scale (bench/mailscale.py): 1,000,000 members in the full run only.
    scale_pools = pools if args.pools else ([2000] if args.quick else [10000, 100000, 1000000])

    work = args.keep or Path(tempfile.mkdtemp(prefix="vivier-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # Our code's bytecode, as `make` writes it (its `bytecode` target) and pip does for Pelican: run directly,
    # the benchmark would otherwise time the compilation of plugins/ where PYTHONDONTWRITEBYTECODE is set.
    compileall.compile_dir(str(ROOT / "plugins"), quiet=1)
    env = bench_env(work)
    print(f"Vivier benchmark — {machine()}\nwork folder: {work}", flush=True)
    started = time.perf_counter()
    try:
        if "site" in parts:
            run([PY, "-m", "vivier", "pool", "load-sample"], env)
            print("\nSite builds (ours: `vivier build`; bare: `pelican`; sample pool loaded; whole processes, wall clock "
                  "and CPU including start-up)…", flush=True)
            rounds = args.rounds or 3
            rows = site_builds(work, sizes, articles, env, rounds)
            site_table(rows, rounds)
        pool_paths = {}
        if "compose" in parts and "mail" not in parts:
            compose_only(work, sizes, articles, pools[-1], env, args.repeat)
        if "pool" in parts or "mail" in parts:
            for size in pools:
                start = time.perf_counter()
                pool_paths[size] = synth_pool.write_pool(work / f"pool-{size}.sqlite3", size)
                print(f"  pool of {size} members generated in {time.perf_counter() - start:.1f} s", flush=True)
        if "pool" in parts:
            rows = []
            for size in pools:
                result, _ = worker("segments", pool_paths[size], env=env)
                rows.append([size, f"{result['all_s']:.2f} s", result["all_eligible"], f"{result['campaign_s']:.2f} s",
                             result["campaign_eligible"], f"{result['base_mb']:.0f} MB", f"{result['peak_mb']:.0f} MB",
                             f"{result['peak_mb'] - result['base_mb']:.0f} MB"])
            table("Segment evaluation (talentpool.audience.evaluate: rules + policy over the whole pool)",
                  ["members", "whole pool", "eligible", "3 segments", "eligible", "RSS before", "peak RSS", "growth"], rows)
            print("  target: 100k members in under 2 s")
        if "mail" in parts:
            mail(work, sizes, articles, pools, pool_paths, env, args.repeat)
        if "relay" in parts:
            relay_runs(work, sizes, articles, pools[0], env, args.relay_messages or (1000 if args.quick else 5000))
        if "backends" in parts:  # the largest pool and its plan, reused when the mail part made them
            import backends

            print("\nThe store on SQLite and on PostgreSQL (a throwaway cluster on 127.0.0.1)…", flush=True)
            backends.compare(work, pools[-1], args.relay_messages or 2000, env)
        if "scale" in parts:
            import mailscale

            print("\nThe mail side at scale (every kind, one process per pool)…", flush=True)
            mailscale.curve(work, scale_pools, pool_paths, env, run, table)
    finally:
        discard_set_aside()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nbenchmark finished in {time.perf_counter() - started:.0f} s")


def mail(work: Path, sizes: list[int], articles: int, pools: list[int], pool_paths: dict, env: dict,
         repeat: int = 1) -> None:
    """Planning (build-time) and the send path for each pool, on the middle site size."""
    jobs = sizes[len(sizes) // 2] if len(sizes) > 1 else sizes[0]
    content = work / "mail-content"
    synth_content.write_site(content, jobs, articles)
    plans, sends = [], []
    compose_results = []
    for size in pools:
        outbox = work / f"outbox-{size}"
        mail_env = {**env, "VIVIER_POOL": str(pool_paths[size]), "VIVIER_OUTBOX": str(outbox)}
        result, _ = worker("plan", content, pool_paths[size], outbox, env=mail_env)
        plans.append([size, jobs, result["candidates"], result["variants"], f"{result['compile_s']:.2f} s",
                      f"{result['plan_s']:.2f} s", result["recipients"], f"{result['write_s']:.2f} s",
                      f"{result['context_s']:.1f} s", f"{result['peak_mb']:.0f} MB"])
        folder = outbox / NEWSLETTER
        sent, _ = worker("send", folder, pool_paths[size], env=mail_env)
        sends.append([size, sent["composed"], sent["skipped"], f"{sent['seconds']:.2f} s", f"{sent['per_s']:.0f}/s",
                      sent["check"], f"{sent['peak_mb']:.0f} MB"])
        if size == pools[-1]:
            compose_results = [worker("compose", folder, pool_paths[size], 20000, env=mail_env)[0]
                               for _ in range(max(1, repeat))]
    table(f"Newsletter planning (all campaigns of the sample, {jobs} jobs on the site; compile = every segment × language × variant)",
          ["members", "jobs", "candidates", "variants", "compile", "plan", "recipients", "write outbox",
           "whole build context", "peak RSS"], plans)
    table(f"Send path without SMTP ({NEWSLETTER}: stream manifest, look up, policy, preferences, compose)",
          ["members", "composed", "skipped", "time", "throughput", "MIME check", "peak RSS"], sends)
    if compose_results:
        compose_table(compose_results)
        print("  targets: ≥ 5,000 messages/s on one core; send-path memory flat as the pool grows")


def compose_table(results: list[dict]) -> None:
    table("Composition alone, one core (complete personalised MIME messages, text + HTML)",
          ["messages", "time", "throughput", "average size", "MIME check", "Composer.compose only"],
          [[r["messages"], f"{r['seconds']:.2f} s", f"{r['per_s']:.0f}/s", f"{r['avg_kb']:.1f} kB", r["check"],
            f"{r['composer_per_s']:.0f}/s"] for r in results])
    print("  throughput: each manifest entry's jobs scored again for the member (delivery.plan.NewsletterComposer), then"
          " Composer.compose; the last column: Composer.compose alone, the same messages with their jobs already scored")


def _planned(work: Path, sizes: list[int], articles: int, size: int, env: dict) -> tuple[Path, Path, dict]:
    """(pool, newsletter plan folder, environment) of a pool of `size`, generated and planned unless already there."""
    jobs = sizes[len(sizes) // 2] if len(sizes) > 1 else sizes[0]
    pool, outbox = work / f"pool-{size}.sqlite3", work / f"outbox-{size}"
    folder = outbox / NEWSLETTER
    mail_env = {**env, "VIVIER_POOL": str(pool), "VIVIER_OUTBOX": str(outbox)}
    if pool.is_file() and (folder / "manifest.jsonl").is_file():
        print(f"  reusing the pool of {size} members and the plan in {work}", flush=True)
    else:
        start = time.perf_counter()
        synth_pool.write_pool(pool, size)
        print(f"  pool of {size} members generated in {time.perf_counter() - start:.1f} s", flush=True)
        content = work / "mail-content"
        synth_content.write_site(content, jobs, articles)
        start = time.perf_counter()
        worker("plan", content, pool, outbox, env=mail_env)
        print(f"  {NEWSLETTER} planned ({jobs} jobs) in {time.perf_counter() - start:.1f} s", flush=True)
    return pool, folder, mail_env


def compose_only(work: Path, sizes: list[int], articles: int, size: int, env: dict, repeat: int) -> None:
    """Composition alone on the largest pool: plan it (unless --keep already holds the plan), then compose."""
    pool, folder, mail_env = _planned(work, sizes, articles, size, env)
    compose_table([worker("compose", folder, pool, 20000, env=mail_env)[0] for _ in range(max(1, repeat))])
    print("  target: ≥ 5,000 messages/s on one core")


def relay_once(work: Path, folder: Path, pool, connections: int, share: float, sync: str, limit: int,
               env: dict) -> tuple[dict, dict]:
    """One send of the plan in `folder` from the store `pool` (a path or a URL) to a relay started for it
    (greylisting `share` of the recipients); (the sender's figures, what the relay received)."""
    port_file = work / "relay.port"
    port_file.unlink(missing_ok=True)
    relay = subprocess.Popen([PY, str(HERE / "relay.py"), str(port_file), str(share)], env=env,
                             stdout=subprocess.PIPE, text=True)
    try:
        while not port_file.is_file() or not port_file.read_text():
            if relay.poll() is not None:
                raise SystemExit("the benchmark relay (bench/relay.py) did not start")
            time.sleep(0.05)
        result, _ = worker("relay", folder, pool, port_file.read_text(), connections, limit, sync, env=env)
    finally:
        relay.terminate()
        received = json.loads(relay.communicate(timeout=60)[0].strip().splitlines()[-1])
    return result, received


def bench_env(work: Path) -> dict:
    """The environment of every measured process: pinned day, private store and outbox in `work`."""
    return {**os.environ, "VIVIER_TODAY": TODAY, "VIVIER_POOL": str(work / "sample-pool.sqlite3"),
            "VIVIER_OUTBOX": str(work / "outbox-site"), "VIVIER_SECRET": "bench-only-secret", "COLUMNS": "200",
            "PYTHONPATH": str(ROOT / "plugins")}


def relay_runs(work: Path, sizes: list[int], articles: int, size: int, env: dict, limit: int) -> None:
    """The whole send path (decide, compose, claim, SMTP, ledger with synchronous=FULL) to a relay in its own process."""
    pool, folder, mail_env = _planned(work, sizes, articles, size, env)
    rows = []
    for connections, share, sync in ((1, 0.0, "full"), (4, 0.0, "full"), (4, 0.06, "full"), (4, 0.0, "normal")):
        result, received = relay_once(work, folder, pool, connections, share, sync, limit, mail_env)
        rows.append([connections, sync.upper(), f"{share:.0%}", result["sent"], f"{result['seconds']:.2f} s", f"{result['per_s']:.0f}/s",
                     received["greylisted"], result["retried"], result["deferred"], received["messages"],
                     received["most_copies"], result["aborted"] or "—", f"{result['peak_mb']:.0f} MB"])
    table(f"Whole send path to a local relay ({NEWSLETTER}, pool of {size}: manifest, decide, compose, claim, SMTP, "
          "ledger; first messages of the plan)",
          ["connections", "ledger sync", "greylisted", "sent", "time", "throughput", "greylisted by relay", "retried", "left deferred",
           "relay received", "most copies", "stopped", "peak RSS"], rows)
    print("  targets: ≥ 500 messages/s with 4 connections; 6 % greylisted < 2× the time without; most copies = 1\n"
          "  `vivier send` always commits the ledger with synchronous=FULL (two fsyncs per message: the claim, the"
          " outcome); the NORMAL row shows what those fsyncs cost on this disk")


if __name__ == "__main__":
    main()
