"""The command line end to end: validate, run, show, and user errors."""

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"

SCENARIO = """
id: toy-run
interventions:
  - {id: hp, city: "9901", sector: heating, effect: 1.0, rollout: {start: 2024, build: 0}}
  - {id: cars, city: "9901", sector: transport, effect: 0.5, rollout: {start: 2024, build: 0}}
"""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_run_show(write_scenario, tmp_path):
    path = write_scenario(SCENARIO)
    done = _cli("validate", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ok:" in done.stdout
    assert "toy-run: 1 cities, 2 interventions, 2024-2030" in done.stdout

    done = _cli("run", str(path), "-o", "res/toy.nc", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (tmp_path / "res" / "toy.nc").is_file()
    assert "Results written to res/toy.nc" in out
    # Testby: 1500 t in 2024 under BAU (no change assumed). Heating (500 t) is gone and
    # transport halved from 2024: 500 t, i.e. 0.5 kt. Against 3000 t in 1990 that is
    # -83.3 %; the target (50 % below 1990 by 2030) allows 1.5 kt: met.
    row_bau = next(line for line in out.splitlines() if "business as usual" in line)
    row_scen = next(line for line in out.splitlines() if line.strip().startswith("scenario"))
    assert row_bau.split()[-2:] == ["1.5", "1.5"]
    assert row_scen.split()[-2:] == ["0.5", "0.5"]
    assert "-83.3 %" in out
    assert "-> MET" in out

    shown = _cli("show", "res/toy.nc", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == out.split("\nResults written to")[0]


def test_default_output_path_is_named_after_the_scenario(
    write_scenario, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(write_scenario(SCENARIO))]) == 0
    assert (tmp_path / "out" / "toy-run.nc").is_file()
    assert main(["run", "--no-save", str(write_scenario(SCENARIO, name="b.yaml"))]) == 0
    assert len(list((tmp_path / "out").iterdir())) == 1


@pytest.mark.parametrize("name", ["unknown_key.yaml", "syntax_error.yaml", "missing_file.yaml"])
def test_user_errors_exit_2_with_one_message_and_no_traceback(name, tmp_path):
    for command in ("validate", "run"):
        done = _cli(command, str(DATA / "bad" / name), cwd=tmp_path)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("citypaths: error: ")
        assert f"{name}:" in done.stderr
    assert not (tmp_path / "out").exists()


def test_validate_reports_every_bad_file(capsys):
    files = [str(DATA / "bad" / n) for n in ("unknown_key.yaml", "effect_range.yaml")]
    assert main(["validate", *files]) == 2
    err = capsys.readouterr().err
    assert "unknown_key.yaml:9" in err
    assert "effect_range.yaml:8" in err


def test_show_of_a_missing_file_and_bad_options(tmp_path, capsys):
    assert main(["show", str(tmp_path / "nothing.nc")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["run"]) == 2
    assert "required" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


@pytest.mark.parametrize("command", [[], ["validate"], ["run"], ["show"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: citypaths" in capsys.readouterr().out


def test_umea_summary_states_gross_net_and_what_the_removals_do(capsys):
    """The shipped Umeå contract: the 2040 net target counts BECCS only up to 15 % of
    1990 (481,807 t in the target's sectors: 72.3 kt), so with ~166 kt gross left it is
    missed, and the summary says so beside the gross figure."""

    root = Path(__file__).resolve().parents[2]
    assert main(["run", str(root / "scenarios/umea/contract.yaml"), "--no-save"]) == 0
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if "target umea-climate-neutral-2040" in ln]
    assert "removals count up to 72.3 kt" in line
    assert line.endswith("MISSED")
    assert "removals 200.0 kt, counted 72.3 kt" in out
    assert "removals exceed the cap by 127.7 kt" in out
    assert "levelised" in out
