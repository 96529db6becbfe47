"""data: where names.txt is looked for, the (offline) download, atomic writes (and what a
killed save leaves), the split; hostile data files through the command line."""
import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from microgpt import data
from microgpt.data import (
    MAX_DATA_BYTES,
    TEMP_NAME,
    DataError,
    download_names,
    find_names,
    load_names,
    read_docs,
    remove_stale_temps,
    split_names,
    temp_path,
    write_atomic,
)
from microgpt.tokenizer import CharTokenizer

from conftest import ROOT, cli, failed_before_training


def test_load_names_reads_32033_names_in_file_order(names_path):
    docs = load_names(names_path)
    assert len(docs) == 32033
    assert docs[:3] == ["emma", "olivia", "ava"]
    assert hashlib.sha256(names_path.read_bytes()).hexdigest() == data.NAMES_SHA256


def test_lookup_order_path_then_env_then_data_dir(tmp_path, monkeypatch):
    explicit, env = tmp_path / "a.txt", tmp_path / "b.txt"
    explicit.write_text("x\n")
    env.write_text("y\n")
    monkeypatch.setenv("MICROGPT_DATA", str(env))
    assert load_names(explicit) == ["x"]
    assert load_names() == ["y"]
    monkeypatch.delenv("MICROGPT_DATA")
    local = tmp_path / "data"
    local.mkdir()
    (local / "names.txt").write_text("z\n")
    monkeypatch.setattr(data, "default_data_dir", lambda: local)
    assert load_names() == ["z"]


def test_missing_local_copy_triggers_a_download(tmp_path, monkeypatch):
    monkeypatch.delenv("MICROGPT_DATA", raising=False)
    monkeypatch.setattr(data, "default_data_dir", lambda: tmp_path / "data")
    calls = []
    monkeypatch.setattr(data, "download_names", lambda dest: calls.append(dest) or dest)
    assert find_names() == tmp_path / "data" / "names.txt"
    assert calls == [tmp_path / "data" / "names.txt"]


def test_download_checks_sha256_and_writes_atomically(tmp_path, names_path):
    dest = tmp_path / "data" / "names.txt"
    download_names(dest, url=names_path.as_uri())          # file:// — no network in tests
    assert dest.read_bytes() == names_path.read_bytes()
    assert [p.name for p in dest.parent.iterdir()] == ["names.txt"]   # no temp file left


def test_download_of_the_wrong_file_writes_nothing_and_keeps_the_old(tmp_path):
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the names\n")
    dest = tmp_path / "names.txt"
    dest.write_text("previous copy\n")
    with pytest.raises(DataError, match="SHA-256"):
        download_names(dest, url=wrong.as_uri())
    assert dest.read_text() == "previous copy\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["names.txt", "wrong.txt"]


def test_offline_download_says_where_to_put_the_file(tmp_path):
    dest = tmp_path / "names.txt"
    with pytest.raises(DataError) as e:
        download_names(dest, url="http://127.0.0.1:9/names.txt", timeout=2)
    msg = str(e.value)
    assert "could not download" in msg and str(dest) in msg and "MICROGPT_DATA" in msg
    assert not dest.exists()


def test_bad_files_raise_data_errors(tmp_path, monkeypatch):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00abc")
    for name, msg in [("none.txt", "no data file"), ("empty.txt", "is empty"),
                      ("bin.txt", "not UTF-8")]:
        with pytest.raises(DataError, match=msg):
            read_docs(tmp_path / name)
    with pytest.raises(DataError, match="is a folder"):
        read_docs(tmp_path)

    def denied(self):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(DataError, match="permission denied"):
        read_docs(tmp_path / "empty.txt")


def test_lines_are_stripped_and_blank_lines_dropped(tmp_path):
    p = tmp_path / "n.txt"
    p.write_text("  anna \r\n\nbob\n\n")
    assert read_docs(p) == ["anna", "bob"]


def test_split_is_a_seeded_partition(docs):
    train, val = split_names(docs, random.Random(42))
    assert len(val) == round(len(docs) * 0.1) and len(train) + len(val) == len(docs)
    assert sorted(train + val) == sorted(docs)
    assert split_names(docs, random.Random(42)) == (train, val)
    assert split_names(docs, random.Random(43))[1] != val
    with pytest.raises(ValueError, match="val_fraction"):
        split_names(docs, random.Random(0), val_fraction=1.5)


def test_data_dir_readme_exists_and_names_txt_is_ignored():
    assert (ROOT / "data" / "README.md").is_file()
    assert "data/names.txt" in (ROOT / ".gitignore").read_text().splitlines()


# ================================================================ hostile files (issues 13, 20)

def test_dev_zero_is_refused_without_reading_it():
    line = failed_before_training(cli("--data", "/dev/zero", memory_mb=1000))
    assert line == ("error: /dev/zero is a device, not a text file; give the path of a text "
                    "file with one name per line")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "names.txt"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="is a FIFO"):
        read_docs(fifo)


def test_a_huge_file_is_refused_without_reading_it(tmp_path):
    huge = tmp_path / "huge.bin"
    with open(huge, "wb") as f:                 # sparse: takes no disk space
        f.truncate(2 * 2**30)
    # under a 1 GB address space: reading the 2 GB would fail with a MemoryError traceback
    line = failed_before_training(cli("--data", huge, memory_mb=1000))
    assert line == (f"error: {huge} is 2.0 GB, too big for a file of names (the limit is "
                    f"{MAX_DATA_BYTES / 2**20:.1f} MB; names.txt is 0.2 MB)")


def test_a_nul_byte_is_refused(tmp_path):
    path = tmp_path / "n.txt"
    path.write_bytes(b"anna\nbo\x00b\n")
    line = failed_before_training(cli("--data", path))
    assert line == (f"error: {path} is not a text file of names: it holds a NUL byte (at "
                    "offset 7); give a text file with one name per line")


def test_a_byte_order_mark_is_not_a_vocabulary_character(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("anna\nbob\n".encode("utf-8-sig"))
    docs = read_docs(path)
    assert docs == ["anna", "bob"] and "\ufeff" not in CharTokenizer(docs).chars
    proc = cli("--n_embd", "8", "--n_head", "2", "--num_samples", "0", "--num_steps", "1",
               "--data", path)
    assert proc.returncode == 0 and proc.stdout.startswith("vocab size: 6, num docs: 2")


def test_microgpt_data_pointing_nowhere_names_the_variable(tmp_path, monkeypatch):
    nowhere = tmp_path / "missing.txt"
    line = failed_before_training(cli(env={"MICROGPT_DATA": str(nowhere)}))
    assert line == (f"error: no data file at {nowhere}; check the path (this path comes from "
                    "the environment variable MICROGPT_DATA: fix it, or unset MICROGPT_DATA "
                    "to use data/names.txt)")
    monkeypatch.setenv("MICROGPT_DATA", str(tmp_path))
    with pytest.raises(DataError, match="is a folder.*environment variable MICROGPT_DATA"):
        load_names()
    with pytest.raises(DataError) as e:        # an explicit path does not blame the variable
        load_names(nowhere)
    assert "MICROGPT_DATA" not in str(e.value)


# ---------------------------------------------------------------- write_atomic

def test_a_write_that_fails_late_names_the_path_not_the_temporary_file(tmp_path, monkeypatch):
    def denied(src, dst):
        raise PermissionError(13, "Permission denied", str(src))
    monkeypatch.setattr(os, "replace", denied)
    dest = tmp_path / "m.json"
    with pytest.raises(PermissionError) as e:
        write_atomic(dest, b"{}")
    assert str(dest) in str(e.value) and ".tmp" not in str(e.value)
    assert list(tmp_path.iterdir()) == []


def dead_pid():
    """The id of a process that has ended (a child that was waited for)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_stale_temp_files_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    stale = tmp_path / f".m.json.{dead_pid()}.0123abcd.tmp"      # a save killed mid-write
    stale.write_bytes(b"half a checkpoint")
    alive = tmp_path / f".m.json.{os.getppid()}.0123abcd.tmp"    # a save still running
    alive.write_bytes(b"being written")
    mine = tmp_path / ".notes.txt.swp"                           # not ours: never touched
    mine.write_text("x")
    write_atomic(tmp_path / "other.json", b"{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, mine.name,
                                                                 "other.json"])
    assert remove_stale_temps(tmp_path) == 0


def test_a_save_killed_by_sigterm_or_sigkill_leaves_nothing_after_the_next_save(tmp_path):
    """SIGTERM: the temporary file is removed at once; SIGKILL cannot be caught: the next
    save into the folder removes what it left."""
    code = ("import os, signal, sys; from pathlib import Path; import microgpt.data as d\n"
            "real = os.replace\n"
            "def stop(src, dst): os.kill(os.getpid(), getattr(signal, sys.argv[1]))\n"
            "os.replace = stop\n"
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))\n"
            "d.write_atomic(Path(sys.argv[2]) / 'm.json', b'{}' * 1000)\n")
    for sig in ("SIGTERM", "SIGKILL"):
        proc = subprocess.run([sys.executable, "-c", code, sig, str(tmp_path)], cwd=ROOT)
        assert proc.returncode in (143, -9), proc.returncode
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".m.json.") and left[0].endswith(".tmp")
    write_atomic(tmp_path / "n.json", b"{}")
    assert [p.name for p in tmp_path.iterdir()] == ["n.json"]


def test_temporary_names_fit_in_255_bytes_and_match_the_stale_pattern(tmp_path):
    for name in ["m.json", "n" * 250 + ".json", "é" * 127]:
        tmp = temp_path(tmp_path / name)
        assert len(os.fsencode(tmp.name)) <= 255 and TEMP_NAME.fullmatch(tmp.name)
