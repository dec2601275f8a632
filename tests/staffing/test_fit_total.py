"""`PoolIndex.fit_total` (the build's pool-fit table, issue 21) equals `PoolIndex.fit(...).total`, the full fit;
`TotalsIndex`, built as the pool is streamed, gives the same totals without keeping a member."""

from __future__ import annotations

import datetime as dt
import random

from staffing.fit import pool_index, pool_totals
from tests.conftest import TODAY
from tests.staffing.test_fit import pool  # noqa: F401  (the sample store, loaded once)


def test_the_total_alone_equals_the_full_fit_s_total(pool):  # noqa: F811
    index = pool_index({}, dt.date.fromisoformat(TODAY))
    assert len(index.members) > 100
    skills = sorted({skill for have in index.skills for skill in have})
    # Names as a job ad writes them: vocabulary spellings, other cases, unknown skills, duplicates.
    spellings = skills + [s.upper() for s in skills[:20]] + ["cobol", "Rust embarqué", "", "python", "Python"]
    rng = random.Random(21)
    cases = [[], ["Python"], ["Python", "python"], ["python", "SQL", "Spark"], ["cobol"], ["cobol", "fortran"]]
    cases += [rng.sample(spellings, rng.randint(1, 6)) for _ in range(400)]
    cases += [[rng.choice(spellings)] * 2 + rng.sample(spellings, 2) for _ in range(50)]
    streamed = pool_totals({}, dt.date.fromisoformat(TODAY))
    assert len(streamed.skills) == len(index.members)  # the same members: the eligible and those over budget
    for must in cases:
        full = index.fit(must).total
        fast = index.fit_total(must)
        assert streamed.fit_total(must) == fast, must
        assert list(streamed.fit_total(must).lacking) == list(fast.lacking), must
        assert fast == full, must
        assert list(fast.lacking) == list(full.lacking), must  # the same order, for "excludes the most"
        assert fast.excludes_most == full.excludes_most, must
    assert any(index.fit_total(m).fit_all for m in cases) and any(index.fit_total(m).all_but_one for m in cases)


def test_members_over_the_budget_still_count_in_the_streamed_totals(pool, tmp_path, monkeypatch):  # noqa: F811
    """The fit leaves the frequency budget out: a member the budget excludes today is counted, streamed or not."""
    import shutil

    from staffing import fit
    from talentpool import config
    from talentpool.audience import default_policy, evaluate

    store_path = tmp_path / "pool.sqlite3"  # never the session's shared store
    shutil.copyfile(config.path({}, "POOL_PATH"), store_path)
    monkeypatch.setenv("VIVIER_POOL", str(store_path))
    today = dt.date.fromisoformat(TODAY)
    tight = default_policy()
    tight.max_messages = 0  # every member whose kind counts against the budget is over it
    monkeypatch.setattr(fit, "default_policy", lambda: tight)
    with config.open_store({}) as store:
        everyone = fit.compile_segments({"all": fit.Segment("all", "every member", {"field": "email", "exists": True})})
        audience = evaluate(store, ["all"], "job_alert", today, segments=everyone, policy=tight)
    over = len(audience.excluded["over_budget"])
    assert over > 100 and not audience.eligible  # the budget excludes them all, nothing else does
    index = fit.pool_index({}, today, kind="job_alert")
    streamed = fit.pool_totals({}, today, kind="job_alert")
    assert len(index.members) == len(streamed.skills) == over
    for must in (["Python"], ["python", "SQL"], ["Kotlin", "Docker", "AWS"]):
        assert streamed.fit_total(must) == index.fit_total(must), must
