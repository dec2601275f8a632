"""`PoolIndex.fit_total` (the build's pool-fit table, issue 21) equals `PoolIndex.fit(...).total`, the full fit."""

from __future__ import annotations

import datetime as dt
import random

from staffing.fit import pool_index
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
    for must in cases:
        full = index.fit(must).total
        fast = index.fit_total(must)
        assert fast == full, must
        assert list(fast.lacking) == list(full.lacking), must  # the same order, for "excludes the most"
        assert fast.excludes_most == full.excludes_most, must
    assert any(index.fit_total(m).fit_all for m in cases) and any(index.fit_total(m).all_but_one for m in cases)
