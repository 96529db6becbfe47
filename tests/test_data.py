"""data: where names.txt is looked for, the (offline) download, atomic writes, the split."""
import hashlib
import random
from pathlib import Path

import pytest

from microgpt import data
from microgpt.data import DataError, download_names, find_names, load_names, read_docs, split_names

from conftest import ROOT


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
