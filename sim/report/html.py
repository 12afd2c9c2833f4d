"""The pieces of a self-contained HTML page: styles inline, figures as PNG data, no script.

Every report (``sim.report``) is one page built from :func:`page`,
:func:`html_table` and :func:`figure`, written by :func:`write`.
"""
from __future__ import annotations

import base64
import html
import os
import re
from pathlib import Path

REPORT = "report.html"
SUMMARY = "summary.txt"
"""The summary table a command prints, saved beside its report."""


STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 62rem;
       margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
.meta { color: #666; font-size: .9rem; } .question { font-size: 1.1rem; font-weight: 600; }
.warning { background: #fff4e5; border-left: 4px solid #f0a030; padding: .5rem .8rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid #e5e5e5; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.2rem 0; } img { max-width: 100%; } figcaption { color: #555; font-size: .9rem; }
details { margin: .8rem 0; } summary { cursor: pointer; color: #08519c; }
"""


def page(title: str, body: list[str]) -> str:
    """The whole HTML document: ``body``'s sections (empty ones left out) under ``title``, styles inline."""
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(part for part in body if part)
            + "\n<p class=meta>Made by marketing-sim. Every figure of a scenario is an input the scenario "
              "states, not a measurement, unless the scenario says where it was calibrated.</p>"
            + "\n</body></html>\n")


def html_table(head: list[str], rows: list[list[str]]) -> str:
    """A table of text cells under ``head``, numbers right-aligned; every cell escaped."""
    def cell(text, tag="td"):
        numeric = tag == "td" and _is_number(text)
        return f"<{tag}{' class=n' if numeric else ''}>{escape(str(text))}</{tag}>"
    lines = ["<table><thead><tr>" + "".join(cell(h, "th") for h in head) + "</tr></thead><tbody>"]
    lines += ["<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows]
    return "\n".join(lines) + "</tbody></table>"


def _is_number(text) -> bool:
    text = str(text).replace(",", "").replace(" to ", "").replace("%", "").replace("-", "").replace(".", "")
    return text.isdigit()


def figure(png: bytes, caption: str) -> str:
    """One figure, its PNG embedded."""
    data = base64.b64encode(png).decode("ascii")
    return (f"<figure><img alt=\"{escape(caption)}\" src=\"data:image/png;base64,{data}\">"
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def drawn(draw, result) -> bytes:
    """PNG bytes of ``draw(result, ax)`` on a new figure."""
    import io

    from matplotlib.figure import Figure

    canvas = Figure(figsize=(7, 4), layout="constrained")
    draw(result, canvas.add_subplot())
    buffer = io.BytesIO()
    canvas.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def prose(text: str) -> str:
    """Escaped text with its `backticked` words as code."""
    return re.sub(r"`([^`]+)`", r"<code>\\1</code>", escape(text))


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` under a temporary name renamed once whole."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


