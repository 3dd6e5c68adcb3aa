"""Hostile and malformed inputs: one regression test per case the probe of issue #8 found.

Every case must end in a clear exit-2 message (one line on stderr, naming the file),
or in a correct, bounded result; never a traceback, a hang, a wrong number or a lost
file. Cases that need a real process (FIFOs, timeouts) run one; the rest call
`workbench.cli.main` in-process.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.cli import main
from workbench.errors import InputError
from workbench.inputs import session_from_table
from workbench.loading import load_table
from workbench.views.memo import render_memo
from workbench.session import load_session, save_session, session_to_toml

HEADER = "name,accuracy,latency_ms,cost_per_1k\n"
GOOD = HEADER + "a,90,10,1\nb,95,20,2\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run, expect exit 2 with exactly one stderr line, return that line."""
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("workbench: error: "), err
    assert "Traceback" not in err
    return lines[0]


def cli(*argv: str, cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *argv], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, check=False,
    )


# ----------------------------------------------------------- files that are not files


@pytest.mark.parametrize("name", ["t.csv", "s.toml", "log.parquet"])
def test_a_fifo_is_refused_at_once_not_read(tmp_path: Path, name: str) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    argv = ["route", name, "--cheap-cost-per-1k", "1", "--expensive-cost-per-1k", "2"] if (
        name.endswith(".parquet")) else ["analyze", name]
    started = time.monotonic()
    result = cli(*argv, cwd=tmp_path, timeout=20)
    assert time.monotonic() - started < 15
    assert result.returncode == 2, result.stderr
    assert "FIFO" in result.stderr and "Traceback" not in result.stderr


def test_a_session_citing_a_fifo_as_its_source_opens(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    save_session(session, tmp_path / "s.toml")
    (tmp_path / "t.csv").unlink()
    os.mkfifo(tmp_path / "t.csv")
    result = cli("analyze", "s.toml", cwd=tmp_path, timeout=20)
    assert result.returncode == 0, result.stderr
    assert "not a regular file" in result.stdout


@pytest.mark.parametrize("name", ["t.csv", "s.toml", "log.csv"])
def test_a_symlink_loop_is_an_error_not_a_traceback(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    os.symlink("loop2" + name, name)
    os.symlink(name, "loop2" + name)
    argv = ["route", name, "--cheap-cost-per-1k", "1", "--expensive-cost-per-1k", "2"] if (
        name.startswith("log")) else ["analyze", name]
    assert "symbolic link loop" in refused(capsys, *argv)


def test_an_unreadable_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "t.csv"
    table.write_text(GOOD)
    real_open = os.open

    def denied(path: object, *args: object, **kwargs: object) -> int:
        if str(path) == str(table):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    assert refused(capsys, "analyze", str(table)).endswith("cannot open: Permission denied")


# --------------------------------------------------------------- parser bombs


def test_deeply_nested_json_and_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "deep.json").write_text("[" * 50_000 + "]" * 50_000)
    assert "nested too deeply" in refused(capsys, "analyze", str(tmp_path / "deep.json"))
    (tmp_path / "deep.toml").write_text("schema_version = 1\na = " + "[" * 5000 + "]" * 5000)
    assert "nested too deeply" in refused(capsys, "analyze", str(tmp_path / "deep.toml"))


def test_five_thousand_digit_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digits = "9" * 5000
    (tmp_path / "t.csv").write_text(HEADER + f"a,90,10,{digits}\n")
    line = refused(capsys, "analyze", str(tmp_path / "t.csv"))
    assert "out of range" in line and len(line) < 300  # the number is clipped, not echoed
    (tmp_path / "t.json").write_text(
        f'[{{"name": "a", "accuracy": 90, "latency_ms": 1, "cost_per_1k": {digits}}}]')
    assert "invalid JSON" in refused(capsys, "analyze", str(tmp_path / "t.json"))
    (tmp_path / "s.toml").write_text(f"schema_version = 1\n[workload]\nvolume_per_day = {digits}\n")
    assert "too many digits" in refused(capsys, "analyze", str(tmp_path / "s.toml"))


def test_a_wide_session_is_refused_quickly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["schema_version = 1", "[[candidates]]", 'name = "a"', "accuracy = 90",
             "latency_ms = 1", "cost_per_1k = 1", *(f"c{i} = {i}" for i in range(100_000))]
    (tmp_path / "wide.toml").write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    line = refused(capsys, "analyze", str(tmp_path / "wide.toml"))
    assert time.monotonic() - started < 20
    assert "at most 1,000 columns" in line


# ------------------------------------------------------------ silently wrong numbers


def test_quoted_decimal_commas_are_read_right_or_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(HEADER + 'a,90,10,"0,5"\nb,91,20,"1,25"\n')
    table = load_table(path)
    assert table.frame["cost_per_1k"].tolist() == [0.5, 1.25]
    assert any("decimal commas" in n for n in table.notes)
    path.write_text(HEADER + 'a,90,10,"0,5"\nb,91,20,0.02\n')
    with pytest.raises(InputError, match="mixes decimal commas"):
        load_table(path)


def test_dollar_cents_in_a_semicolon_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("name;accuracy;latency_ms;cost_per_1k\na;90;10;$0.02\nb;91;20;$1\n")
    assert load_table(path).frame["cost_per_1k"].tolist() == [0.02, 1.0]
    path.write_text("name;accuracy;latency_ms;cost_per_1k\na;90,5;10;1.250,5\nb;91;20;2\n")
    frame = load_table(path).frame
    assert frame["accuracy"].tolist() == [90.5, 91.0]
    assert frame["cost_per_1k"].tolist() == [1250.5, 2.0]


def test_boolean_accuracy_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.csv").write_text(HEADER + "a,TRUE,10,1\nb,FALSE,20,2\n")
    assert "true/false" in refused(capsys, "analyze", str(tmp_path / "t.csv"))
    pd.DataFrame({"name": ["a", "b"], "accuracy": [True, False], "latency_ms": [1.0, 2.0],
                  "cost_per_1k": [1.0, 2.0]}).to_parquet(tmp_path / "t.parquet")
    assert "true/false" in refused(capsys, "analyze", str(tmp_path / "t.parquet"))


def test_overflowing_magnitudes_are_input_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text(HEADER + "a,90,10,1e308\nb,95,20,2\n")
    assert "out of range" in refused(capsys, "analyze", str(tmp_path / "t.csv"))
    (tmp_path / "ok.csv").write_text(GOOD)
    assert "out of range" in refused(
        capsys, "analyze", str(tmp_path / "ok.csv"), "--weight", "accuracy=1e308",
        "--weight", "cost=1e308")
    session, _ = session_from_table(tmp_path / "ok.csv")
    text = session_to_toml(session).replace(
        'normalization = "minmax"\n',
        'normalization = "minmax"\n[[scoring.criteria]]\ncolumn = "accuracy"\nweight = 1e308\n', 1)
    (tmp_path / "s.toml").write_text(text)
    assert "out of range" in refused(capsys, "analyze", str(tmp_path / "s.toml"))


def test_a_repeated_json_key_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.json").write_text(
        '[{"name": "a", "name": "b", "accuracy": 90, "latency_ms": 1, "cost_per_1k": 1}]')
    assert "key 'name' appears twice" in refused(capsys, "analyze", str(tmp_path / "t.json"))


@pytest.mark.parametrize("invisible", ["\u200b", "\u200e", "\u2060", "\ufeff"])
def test_names_equal_but_for_invisible_characters_are_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], invisible: str
) -> None:
    (tmp_path / "t.csv").write_text(HEADER + f"gpt,90,10,1\ng{invisible}pt,95,20,2\n")
    line = refused(capsys, "analyze", str(tmp_path / "t.csv"))
    assert "duplicate candidate name" in line and "invisible" in line
    toml = ('schema_version = 1\n[[candidates]]\nname = "gpt"\naccuracy = 90\nlatency_ms = 1\n'
            f'cost_per_1k = 1\n[[candidates]]\nname = "g\\u{ord(invisible):04x}pt"\n'
            "accuracy = 91\nlatency_ms = 1\ncost_per_1k = 1\n")
    (tmp_path / "s.toml").write_text(toml)
    assert "duplicate candidate name" in refused(capsys, "analyze", str(tmp_path / "s.toml"))


@pytest.mark.parametrize("legacy", [False, True])
def test_an_edited_embedded_table_is_reported_although_the_file_matches(
    tmp_path: Path, legacy: bool
) -> None:
    """Hand-edit one embedded candidate; the cited CSV is untouched (its sha256 matches)."""
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    text = session_to_toml(session, tmp_path)
    if legacy:  # written before table_sha256 existed
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("table_sha256")) + "\n"
    assert "accuracy = 95" in text
    (tmp_path / "s.toml").write_text(text)
    assert load_session(tmp_path / "s.toml")[1] == []
    (tmp_path / "s.toml").write_text(text.replace("accuracy = 95", "accuracy = 99"))
    edited, notes = load_session(tmp_path / "s.toml")
    assert len(notes) == 1 and "differs" in notes[0]
    memo = render_memo(edited, notes=notes, session_path=tmp_path / "s.toml")
    assert "**The table differs from this file:**" in memo


# ------------------------------------------------------------ outputs and inputs


def test_route_never_overwrites_its_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(1)
    log = tmp_path / "log.csv"
    pd.DataFrame({"label": rng.integers(0, 2, 200), "cheap_score": rng.random(200),
                  "expensive_score": rng.random(200)}).to_csv(log, index=False)
    before = log.read_bytes()
    line = refused(capsys, "route", str(log), "--cheap-cost-per-1k", "1",
                   "--expensive-cost-per-1k", "2", "-o", str(log))
    assert "would overwrite the replay log" in line
    assert log.read_bytes() == before
    link = tmp_path / "link.csv"
    link.symlink_to(log)
    refused(capsys, "route", str(log), "--cheap-cost-per-1k", "1", "--expensive-cost-per-1k",
            "2", "-o", str(link))
    hard = tmp_path / "hard.csv"
    os.link(log, hard)
    refused(capsys, "route", str(log), "--cheap-cost-per-1k", "1", "--expensive-cost-per-1k",
            "2", "-o", str(hard))
    assert log.read_bytes() == before


def test_route_save_never_writes_the_report_onto_the_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(2)
    pd.DataFrame({"label": rng.integers(0, 2, 200), "cheap_score": rng.random(200),
                  "expensive_score": rng.random(200)}).to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    save_session(session, tmp_path / "s.toml")
    before = (tmp_path / "s.toml").read_bytes()
    line = refused(capsys, "route", str(tmp_path / "log.csv"), "--session",
                   str(tmp_path / "s.toml"), "--cheap-model", "a", "--expensive-model", "b",
                   "--save", "-o", str(tmp_path / "s.toml"))
    assert "would overwrite" in line
    assert (tmp_path / "s.toml").read_bytes() == before


def test_report_never_overwrites_the_session_or_its_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    save_session(session, tmp_path / "s.toml")
    for target in ("s.toml", "t.csv"):
        before = (tmp_path / target).read_bytes()
        refused(capsys, "report", str(tmp_path / "s.toml"), "-o", str(tmp_path / target))
        assert (tmp_path / target).read_bytes() == before


def test_analyze_save_onto_its_own_session_updates_it_with_a_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    save_session(session, tmp_path / "s.toml")
    before = (tmp_path / "s.toml").read_bytes()
    code, _, err = run(capsys, "analyze", str(tmp_path / "s.toml"), "--budget", "100",
                       "--save", str(tmp_path / "s.toml"))
    assert code == 0, err
    assert (tmp_path / "s.toml.bak").read_bytes() == before
    assert load_session(tmp_path / "s.toml")[0].scenario.constraints.monthly_budget_usd == 100
    # A table is never overwritten by --save or -o.
    refused(capsys, "analyze", str(tmp_path / "t.csv"), "-o", str(tmp_path / "t.csv"))


def test_writing_through_a_symlink_keeps_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    (tmp_path / "real.md").write_text("old\n")
    (tmp_path / "link.md").symlink_to("real.md")
    code, _, err = run(capsys, "analyze", str(tmp_path / "t.csv"), "--format", "markdown",
                       "-o", str(tmp_path / "link.md"))
    assert code == 0, err
    assert (tmp_path / "link.md").is_symlink()
    assert (tmp_path / "real.md").read_text().startswith("# Analysis")
    assert (tmp_path / "real.md.bak").read_text() == "old\n"


def test_special_files_are_never_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    os.mkfifo(tmp_path / "out.fifo")
    assert "FIFO" in refused(capsys, "analyze", str(tmp_path / "t.csv"), "-o",
                             str(tmp_path / "out.fifo"))
    assert (tmp_path / "out.fifo").is_fifo()
    assert "character device" in refused(capsys, "analyze", str(tmp_path / "t.csv"), "-o",
                                         "/dev/null")
    assert Path("/dev/null").is_char_device()


def test_disk_full_on_save_is_one_line_and_keeps_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    save_session(session, tmp_path / "s.toml")
    before = (tmp_path / "s.toml").read_bytes()

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    line = refused(capsys, "analyze", str(tmp_path / "s.toml"), "--save", str(tmp_path / "s.toml"))
    assert line.endswith("cannot write: No space left on device")
    assert (tmp_path / "s.toml").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_name_too_long_for_the_temp_name_still_saves(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    long = tmp_path / ("d" * 245 + ".toml")  # 250 bytes: the old temp name needed 260+
    save_session(session, long)
    assert load_session(long)[0].scenario.candidates["name"].tolist() == ["a", "b"]


def test_a_backup_that_is_a_folder_stops_the_save_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    save_session(session, tmp_path / "s.toml")
    before = (tmp_path / "s.toml").read_bytes()
    (tmp_path / "s.toml.bak").mkdir()
    line = refused(capsys, "analyze", str(tmp_path / "s.toml"), "--save", str(tmp_path / "s.toml"))
    assert "s.toml.bak exists and is not a regular file" in line
    assert (tmp_path / "s.toml").read_bytes() == before


def test_temp_files_of_a_killed_save_are_cleaned_by_the_next(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    (tmp_path / ".s.toml.abc123.tmp").write_text("half a sess")
    (tmp_path / ".other.toml.x.tmp").write_text("not ours")
    save_session(session, tmp_path / "s.toml")
    assert not (tmp_path / ".s.toml.abc123.tmp").exists()
    assert (tmp_path / ".other.toml.x.tmp").exists()


def test_an_int64_label_in_a_log_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = np.zeros(20, dtype=np.int64)
    labels[7] = 2**62 + 1
    pd.DataFrame({"label": labels, "cheap_score": np.linspace(0, 1, 20),
                  "expensive_score": np.linspace(1, 0, 20)}).to_parquet(tmp_path / "log.parquet")
    line = refused(capsys, "route", str(tmp_path / "log.parquet"), "--cheap-cost-per-1k", "1",
                   "--expensive-cost-per-1k", "2")
    assert "row 8" in line and "label must be 0 or 1" in line


def test_a_huge_source_file_is_not_hashed_on_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import provenance

    (tmp_path / "t.csv").write_text(GOOD)
    session, _ = session_from_table(tmp_path / "t.csv")
    save_session(session, tmp_path / "s.toml")
    monkeypatch.setattr(provenance, "MAX_SOURCE_HASH_BYTES", 10)
    notes = load_session(tmp_path / "s.toml")[1]
    assert len(notes) == 1 and "not hashed" in notes[0]


# ---------------------------------------------------------------------- exports


def test_csv_export_never_lets_a_name_split_a_row_or_start_a_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    names = ["x\r=HYPERLINK(\"http://evil\")", "@SUM(1)", "-2+3", "ok\n=1", "tab\t=1"]
    frame = pd.DataFrame({"name": names, "accuracy": [90, 91, 92, 93, 94],
                          "latency_ms": [1] * 5, "cost_per_1k": [1, 2, 3, 4, 5]})
    frame.to_json(tmp_path / "t.json", orient="records")
    code, out, err = run(capsys, "analyze", str(tmp_path / "t.json"), "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == 1 + len(names)  # nothing split a row
    assert not any(ch in out for ch in "\r\t")
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), cell
            if cell.startswith("-"):
                float(cell)  # only numbers may start with a minus


# ---- found by the probe of the streamed loader (issue #9): long fields, lone CRs, NULs


def _rows(n: int = 3000) -> list[str]:
    return ["name,accuracy,latency_ms,cost_per_1k,notes"] + [
        f"m{i},50.5,1.25,0.10,t{i}" for i in range(n)]


def test_a_field_longer_than_pythons_csv_limit_loads(tmp_path: Path) -> None:
    # csv.reader refuses a field over 128 KiB by default; the header check and the
    # ragged-row check use it, so a long header or cell stopped the load as an
    # internal error (exit 70). A blank last cell sends the file through both.
    rows = _rows()
    rows[0] += ",x" + "y" * 200_000
    rows[1:] = [r + ",1" for r in rows[1:]]
    rows[7] = rows[7].rsplit(",", 2)[0] + "," + "z" * 200_000 + ","
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame = load_table(path).frame
    assert len(frame) == 3000 and frame["notes"].iloc[6] == "z" * 200_000
    # ... and a ragged row after such a cell is named, not a crash.
    rows[20] = rows[20].rsplit(",", 1)[0]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 21: ragged row: expected 6 fields"):
        load_table(path)


def test_a_ragged_row_in_a_file_of_lone_cr_line_ends_is_named(tmp_path: Path) -> None:
    # (The row check read such a file as one line and csv refused the CR inside it.)
    rows = _rows()
    rows[30] = rows[30].rsplit(",", 1)[0]
    path = tmp_path / "cr.csv"
    path.write_bytes("\r".join(rows).encode() + b"\r")
    with pytest.raises(InputError, match="line 31: ragged row: expected 5 fields"):
        load_table(path)
    rows[30] += ","  # a blank last cell: a valid table
    path.write_bytes("\r".join(rows).encode() + b"\r")
    assert load_table(path).frame["notes"].iloc[29] == ""


def test_a_file_of_nul_bytes_is_refused_in_one_short_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"\x00" * 3_000_000)
    line = refused(capsys, "analyze", str(path))
    assert "found a single column" in line and len(line) < 400
