"""Safe YAML loading: bombs, recursion, merge keys, huge numbers and the input limits.

Each limit is tested at the point it exists for: a bomb or an oversized file is refused
quickly and in bounded memory (measured in a child process), never after expanding it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.config import yamlio
from sim.config.yamlio import read_yaml
from sim.errors import InputError


def _bomb(levels: int = 9, width: int = 9) -> str:
    """A billion-laughs document: `width ** levels` strings (9 ** 9 = 387,420,489) from
    about 600 bytes of text."""
    lines = ['a0: &a0 ["x"' + ',"x"' * (width - 1) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _mapping_bomb(levels: int = 12, width: int = 6) -> str:
    lines = ["m0: &m0 {x: 1}"]
    for i in range(1, levels):
        keys = ", ".join(f"k{j}: *m{i - 1}" for j in range(width))
        lines.append(f"m{i}: &m{i} {{{keys}}}")
    return "\n".join(lines) + "\n"


_MEASURE = r"""
import json, re, sys, time
from sim.config.yamlio import read_yaml
from sim.errors import InputError
t = time.perf_counter()
try:
    read_yaml(sys.argv[1])
    outcome = "loaded"
except InputError as exc:
    outcome = str(exc)
seconds = time.perf_counter() - t
# peak resident memory of this program (VmHWM: reset by exec, unlike ru_maxrss)
with open("/proc/self/status") as fh:
    hwm_kb = int(re.search(r"VmHWM:\s+(\d+) kB", fh.read()).group(1))
print(json.dumps({"seconds": seconds, "outcome": outcome, "max_rss_mb": hwm_kb / 1024}))
"""


@pytest.fixture
def linux() -> None:
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc (Linux)")


def _measure(path: Path) -> dict:
    """Read `path` in a fresh interpreter; its time and peak resident memory (MB)."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("text", [_bomb(), _mapping_bomb()], ids=["list-bomb", "mapping-bomb"])
def test_an_alias_bomb_is_refused_fast_in_bounded_memory(tmp_path, text, linux):
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    assert len(text) < 800  # a few hundred bytes of text
    got = _measure(path)
    assert "expands to more than 100,000 values" in got["outcome"]
    # the issue's bomb took 60 s and 3 GB; the interpreter with citypaths' YAML reader
    # alone takes about 35 MB, so 150 MB leaves room for no expansion at all
    assert got["seconds"] < 3
    assert got["max_rss_mb"] < 150


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path, linux):
    path = tmp_path / "big.yaml"
    line = "key_%07d: 1\n"
    with path.open("w") as fh:
        for i in range(500_000):  # 7.5 MB
            fh.write(line % i)
    got = _measure(path)
    assert "larger than 2,000,000 bytes" in got["outcome"]
    assert got["seconds"] < 3
    assert got["max_rss_mb"] < 150


def test_a_file_just_under_the_limits_loads(tmp_path):
    # 20,000 values in 400 kB: far more than any scenario, well inside the limits
    path = tmp_path / "ok.yaml"
    path.write_text("".join(f"key_{i}: [{i}, {i}.5]\n" for i in range(6_000)))
    doc = read_yaml(path)
    assert doc.data["key_5999"] == [5999, 5999.5]
    assert doc.loc.children["key_5999"].line == 6000


def test_aliases_share_one_node_and_locate_where_the_anchor_is(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("base: &b\n  rate: 0.1\n  path: 2\nx: *b\ny: *b\n")
    doc = read_yaml(path)
    assert doc.data["x"] is doc.data["y"]  # built once, not copied
    assert doc.loc.children["y"].line == 5  # the alias's key
    assert doc.loc.children["y"].children["rate"].line == 2  # the anchor's text


def test_recursive_alias_is_a_located_error(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("ok: 1\na: &a\n  b: [1, *a]\n")
    with pytest.raises(InputError, match="recursive alias") as info:
        read_yaml(path)
    assert info.value.line == 2  # the anchored mapping that is named inside itself


def test_merge_keys_merge_and_written_keys_win(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults: &d {rate: 0.1, path: 2}\n"
        "other: &o {rate: 0.3, extra: 4}\n"
        "thing:\n"
        "  <<: [*d, *o]\n"
        "  path: 3\n"
    )
    doc = read_yaml(path)
    # YAML merge: keys written in the mapping win; among merged mappings, the first
    assert doc.data["thing"] == {"path": 3, "rate": 0.1, "extra": 4}
    locs = doc.loc.children["thing"].children
    assert locs["path"].line == 5
    assert locs["rate"].line == 1
    assert locs["extra"].line == 2


def test_a_merge_key_needs_a_mapping(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("thing:\n  <<: 5\n")
    with pytest.raises(InputError, match="merge key") as info:
        read_yaml(path)
    assert info.value.line == 2


def test_a_huge_integer_is_refused_before_python_parses_it(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text("a: 1\nn: " + "9" * 5000 + "\n")
    with pytest.raises(InputError, match="5,000 digits; expected at most 30") as info:
        read_yaml(path)
    assert info.value.line == 2


def test_nesting_deeper_than_the_limit_is_refused(tmp_path):
    depth = yamlio.MAX_DEPTH + 1
    path = tmp_path / "d.yaml"
    path.write_text("[" * depth + "]" * depth + "\n")
    with pytest.raises(InputError, match="nested more than 40 levels"):
        read_yaml(path)
    ok = tmp_path / "ok.yaml"
    ok.write_text("[" * (depth - 1) + "]" * (depth - 1) + "\n")
    read_yaml(ok)


@pytest.mark.parametrize(
    ("text", "value"),
    [("5e8", 5e8), ("3.0e8", 3e8), ("3.0e+8", 3e8), ("1E-3", 1e-3), (".5e3", 500.0)],
)
def test_exponents_read_as_numbers(tmp_path, text, value):
    path = tmp_path / "e.yaml"
    path.write_text(f"per_year: {text}\nid: '5e8'\n")
    doc = read_yaml(path)
    assert doc.data["per_year"] == value
    assert doc.data["id"] == "5e8"  # quoted: still text


def test_unsafe_tags_are_refused_with_their_line(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text('a: 1\nb: !!python/object/apply:os.system ["echo hi"]\n')
    with pytest.raises(InputError, match=r"tag .*python/object/apply:os.system is not allowed"):
        read_yaml(path)


def test_a_nul_byte_is_reported_by_line(tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"a: 1\nb: 2\nc: x\x00y\n")
    with pytest.raises(InputError, match="NUL byte") as info:
        read_yaml(path)
    assert info.value.line == 3


def test_bad_utf8_is_reported_by_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: Malmö\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as info:
        read_yaml(path)
    assert info.value.line == 2


def test_a_badly_indented_line_is_reported_at_that_line(tmp_path):
    path = tmp_path / "i.yaml"
    path.write_text(
        "id: x\nbau:\n  default:\n    activity: {rate: 0.01}\n   intensity: {rate: -0.02}\n"
    )
    with pytest.raises(InputError, match="indentation") as info:
        read_yaml(path)
    assert info.value.line == 5
    assert info.value.key == "intensity"


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text('id: x\ntitle: "abc\nfoo: 1\nbar: 2\n')
    with pytest.raises(InputError, match="quoted scalar") as info:
        read_yaml(path)
    assert info.value.line == 2


def test_a_symlink_loop_is_a_located_error(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(tmp_path / "loop.yaml")
    with pytest.raises(InputError, match="cannot read the file"):
        read_yaml(loop)


def test_shipped_files_read_as_pyyaml_reads_them():
    """The reader builds data itself; PyYAML's own safe loader is the second method."""
    repo = Path(__file__).resolve().parents[2]
    files = sorted((repo / "scenarios").rglob("*.yaml"))
    assert len(files) > 40
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in files:
        expected = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        assert read_yaml(path).data == expected, path
