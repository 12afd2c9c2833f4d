"""``python -m sim.declarations``: print every parameter table of docs/model.md from the declarations."""
from __future__ import annotations

from . import markdown, sections


def main() -> None:
    """Print every parameter table, under the headings of docs/model.md."""
    for chapter, tables in sections().items():
        print(f"## {chapter}\n")
        for heading, rows in tables.items():
            print(f"### {heading}\n\n{markdown(rows)}\n")


if __name__ == "__main__":
    main()
