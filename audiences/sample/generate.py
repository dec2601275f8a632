"""Regenerate the fictional sample pool (members.csv, messages.csv) next to this script.

Deterministic (fixed seed, fixed reference day): running it again rewrites the
same bytes. Usage: .venv/bin/python audiences/sample/generate.py
"""

from pathlib import Path

from talentpool.sample import write

if __name__ == "__main__":
    for path in write(Path(__file__).resolve().parent):
        print(path)
