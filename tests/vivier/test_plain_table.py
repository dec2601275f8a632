"""The plain table the build prints its pool fit with: every cell whole, in its column, the box closed."""

from __future__ import annotations

from vivier.console import plain_table


def test_cells_line_up_whatever_their_widths_and_nothing_is_cut():
    rows = [["jobs/" + "x" * n + ".md", str(10 ** n), "< 10", "Été, ŒUVRE"] for n in range(0, 40, 7)]
    text = plain_table("Pool fit", [("job", "left"), ("eligible", "right"), ("fit all", "right"), ("note", "left")], rows)
    lines = text.split("\n")
    assert lines[0].strip() == "Pool fit"
    box = lines[1:]
    assert len({len(line) for line in box}) == 1, text  # one width: every column lines up
    assert box[0].startswith("┌") and box[-1].startswith("└") and box[2].startswith("├")
    assert [c.strip() for c in box[1].strip("│").split("│")] == ["job", "eligible", "fit all", "note"]
    body = box[3:-1]
    assert len(body) == len(rows)
    separators = {i for i, ch in enumerate(box[1]) if ch == "│"}
    for line, row in zip(body, rows):
        assert {i for i, ch in enumerate(line) if ch == "│"} == separators
        cells = line.strip("│").split("│")
        assert [c.strip() for c in cells] == row  # whole, never wrapped or cut
        assert cells[1].endswith(row[1] + " ") and cells[0].startswith(" " + row[0])  # numbers right, text left


def test_an_empty_table_still_shows_its_headings():
    text = plain_table("Nothing open", [("job", "left"), ("eligible", "right")], [])
    assert "│ job │ eligible │" in text and text.count("\n") == 4
