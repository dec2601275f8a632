"""The outbox's atomic writer leaves a file alone when its bytes did not change."""

from __future__ import annotations

import os

from mailing.outbox import _write

OLD = 1_000_000_000


def test_unchanged_bytes_are_not_written_again_in_any_form(tmp_path):
    path = tmp_path / "campaign" / "compiled" / "fr.a.json"
    assert _write(path, '{"é": 1}') is True
    os.utime(path, (OLD, OLD))
    assert _write(path, '{"é": 1}') is False
    assert _write(path, '{"é": 1}'.encode("utf-8")) is False
    assert _write(path, [b'{"\xc3\xa9"', b": 1}"]) is False
    assert path.stat().st_mtime == OLD
    assert _write(path, [b'{"\xc3\xa9"', b": 2}"]) is True
    assert path.read_bytes() == '{"é": 2}'.encode("utf-8")
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]
