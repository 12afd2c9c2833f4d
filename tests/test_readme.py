"""The README's commands and example are the ones that work."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_ci_runs_exactly_the_readme_test_command():
    commands = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
    assert "marketing-sim" in commands[0] and "pip install ." in commands[0]


def test_notebook_example_runs():
    example = re.search(r"```python\n(.*?)\n```", README, flags=re.S).group(1)
    import matplotlib
    matplotlib.use("Agg")
    namespace = {}
    exec(example.replace('"replications=10"', '"replications=2", "horizon.acquisition_days=30"'), namespace)
    res = namespace["res"]
    assert res.replications == 2 and res.metrics["cac"] > 0
    assert len(namespace["frame"]) == 30 + 365
