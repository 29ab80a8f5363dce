"""`citypaths explore` as a command: help, located errors with exit status 2 before any
server starts, and the default bind address."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
UMEA = ROOT / "scenarios" / "umea" / "contract.yaml"


def test_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explore", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--city", "--port", "--host", "--data", "SCENARIO.yaml"):
        assert option in out


def test_binds_to_this_machine_unless_told(tmp_path):
    args = build_parser().parse_args(["explore", str(UMEA)])
    assert args.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["explore", "missing.yaml"], ["missing.yaml", "file not found"]),
        (["explore", str(UMEA), "--city", "Malmö"], ["not a city of this scenario", "2480"]),
        (["explore", str(UMEA), "--port", "70000"], ["--port", "0-65535"]),
        (["explore", str(UMEA), "--port", "eighty"], ["--port", "invalid int"]),
    ],
)
def test_bad_input_exits_2_with_a_message(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("citypaths: error:")
    assert "Traceback" not in err
    for w in words:
        assert w in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_located_error_in_the_scenario(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"extends: {UMEA}\nid: bad\ninterventions:\n  - id: electric-cars\n    effect: 2\n"
    )
    assert main(["explore", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:5" in err
    assert "effect" in err
