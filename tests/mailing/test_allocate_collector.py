"""A build's planning runs with the cyclic collector paused (`mailing.engine.steps.allocate`), and it runs again afterwards.

Whether the collector runs changes when memory is freed, never what is planned: the plans of a
paused walk are compared byte for byte with the unpaused code's by the issue 21 benchmark
(docs/performance.md); here, that the pause covers the kinds' planning and is lifted, even on an error.
"""

from __future__ import annotations

import gc

import pytest

from mailing.engine import steps


def test_planning_pauses_the_collector_and_restores_it(monkeypatch):
    seen = []

    def wanting(kinds, settings):
        seen.append(gc.isenabled())
        return []  # nothing to plan: allocate stops before opening a store
    monkeypatch.setattr(steps, "_wanting", wanting)
    assert gc.isenabled()
    assert steps.allocate([], {}) is None
    assert seen == [False] and gc.isenabled()

    def failing(kinds, settings):
        raise RuntimeError("planning failed")
    monkeypatch.setattr(steps, "_wanting", failing)
    with pytest.raises(RuntimeError):
        steps.allocate([], {})
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(steps, "_wanting", wanting)
        steps.allocate([], {})
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
