"""The README's examples run: its Python blocks on a result written as its commands write it,
and every `citypaths` command it shows exists."""

import re

import matplotlib
import pytest

from sim.cli import build_parser, main
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
_BLOCK = r"^```{lang}[ \t]*\n(.*?)^```[ \t]*$"


def _blocks(lang: str) -> list[str]:
    return re.findall(_BLOCK.format(lang=lang), README, flags=re.DOTALL | re.MULTILINE)


def test_python_examples_run(tmp_path, monkeypatch):
    blocks = _blocks("python")
    assert blocks
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CITYPATHS_DATA", raising=False)
    # what `citypaths run scenarios/umea/contract.yaml` writes, in the current folder
    scenario = REPO / "scenarios" / "umea" / "contract.yaml"
    assert main(["run", str(scenario)]) == 0
    assert (tmp_path / "out" / "umea-contract.nc").is_file()
    matplotlib.use("Agg")  # no screen; xarray's .plot draws with pyplot
    import matplotlib.pyplot as plt

    try:
        for code in blocks:
            namespace: dict = {}
            exec(compile(code, "README.md", "exec"), namespace)
            if "ds" in namespace:
                namespace["ds"].close()
        # the example drew one line: Umeå's emissions over the years of the run
        (line,) = plt.gca().get_lines()
        assert len(line.get_xdata()) == 2050 - 2024 + 1
    finally:
        plt.close("all")


@pytest.mark.parametrize(
    "command",
    sorted(set(re.findall(r"^citypaths ([a-z-]+)", "\n".join(_blocks("sh")), flags=re.M))),
)
def test_shown_commands_exist(command):
    choices = next(
        a.choices for a in build_parser()._actions if hasattr(a, "choices") and a.choices
    )
    assert command in choices
