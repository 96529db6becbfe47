"""limits: every size that sets memory is checked against this process's memory before any
work, with a message naming the setting to lower; the save-path check does what the final
write will do. Memory cases fake `available_memory` (or run a child under RLIMIT_AS), so the
suite never needs the memory it refuses."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from microgpt import limits
from microgpt.data import temp_path, write_atomic
from microgpt.limits import (
    MAX_PARAMS,
    MAX_SAMPLES,
    MAX_VOCAB,
    SaveError,
    batch_bytes,
    check_batch,
    check_beam,
    check_memory,
    check_params,
    check_samples,
    check_save_path,
    check_training,
    check_vocab,
)
from microgpt.model import GPTConfig, count_params, param_shapes

from conftest import ROOT, as_another_user, cli, failed_before_training

BIG = GPTConfig(vocab_size=28, n_embd=64, n_layer=4, n_head=4, block_size=16)   # 199,424


@pytest.fixture
def memory(monkeypatch):
    """Set how many MB this process "has" (limits.available_memory)."""
    def set_mb(mb):
        monkeypatch.setattr(limits, "available_memory", lambda: mb * 2**20)
    return set_mb


# ---------------------------------------------------------------- parameters and vocabulary

def test_a_model_too_big_is_refused_by_the_guards(memory):
    with pytest.raises(ValueError, match=r"has about 307,\d{3},\d{3} parameters; the limit"):
        check_params(GPTConfig(vocab_size=28, n_layer=100_000))
    with pytest.raises(ValueError, match=f"the limit is {MAX_PARAMS:,}"):
        check_params(GPTConfig(vocab_size=28, n_embd=100_000, n_head=1))
    with pytest.raises(ValueError, match="make n_embd, n_layer or block_size smaller"):
        check_params(GPTConfig(vocab_size=28, n_embd=4, n_head=1, block_size=10**12))
    memory(10)
    with pytest.raises(ValueError, match=r"needs about \d+ MB of memory; this process has "
                                         r"about 10 MB"):
        check_memory(BIG)


def test_count_params_is_the_sum_over_param_shapes():
    for cfg in [GPTConfig(vocab_size=28), GPTConfig(vocab_size=5, n_embd=12, n_head=3,
                                                      n_layer=3, block_size=5)]:
        assert count_params(cfg) == sum(r * c for _, r, c, _ in param_shapes(cfg))


def test_an_indivisible_huge_n_embd_is_refused():
    with pytest.raises(ValueError, match="divisible"):
        GPTConfig(vocab_size=28, n_embd=10**15 + 1, n_head=2)


def test_a_huge_vocabulary_is_named_and_refused():
    with pytest.raises(ValueError) as e:
        check_vocab(720_002)
    assert str(e.value) == (f"the data has 720,000 different characters (a vocabulary of "
                            f"720,002 tokens); the limit is {MAX_VOCAB:,} (names.txt has 26 "
                            f"letters; at {MAX_VOCAB:,} one sample already takes seconds): "
                            "train on text with fewer different characters")
    check_vocab(MAX_VOCAB)                                  # the cap itself is fine
    with pytest.raises(ValueError, match="a vocabulary of 500,002 tokens"):    # not runnable
        check_training(GPTConfig(vocab_size=500_002), ["ab"])
    with pytest.raises(ValueError, match=r"the vocabulary \(720,002 tokens, one per character"):
        check_params(GPTConfig(vocab_size=720_002))       # the parameter cap names it too


def test_a_720k_character_data_file_is_refused_in_the_cli_before_training(tmp_path):
    chars = [chr(c) for c in range(0x4E00, 0x10FFFF) if not 0xD800 <= c < 0xE000][:720_000]
    path = tmp_path / "wide.txt"
    path.write_text("\n".join("".join(chars[i:i + 8]) for i in range(0, len(chars), 8)) + "\n")
    line = failed_before_training(cli("--data", path, memory_mb=1500))
    assert "the data has 720,000 different characters" in line and "limit is" in line


# ---------------------------------------------------------------- batch, samples, beams

def test_a_huge_batch_is_refused_naming_batch_size(memory):
    memory(1024)
    with pytest.raises(ValueError) as e:
        check_batch(BIG, 10**9)
    msg = str(e.value)
    assert msg.startswith("a step on a batch of 1,000,000,000 names (block_size 16, tensor "
                          "engine) needs about ")
    assert "this process has about 1.0 GB: make batch_size smaller (about " in msg
    fit = int(msg.split("(about ")[-1].split()[0].replace(",", ""))
    check_batch(BIG, fit)                                       # what it says fits, fits
    with pytest.raises(ValueError, match="make batch_size smaller"):
        check_batch(BIG, fit + 1)
    with pytest.raises(ValueError, match="scalar engine"):
        check_batch(BIG, 10**9, engine="scalar")


def test_the_batch_estimate_grows_with_every_size():
    base = batch_bytes(BIG, 32)
    for bigger in [dict(batch_size=64), dict(positions=15 * 2)]:
        assert batch_bytes(BIG, **{"batch_size": 32, **bigger}) > base
    wider = GPTConfig(vocab_size=1000, n_embd=64, n_layer=4, n_head=4, block_size=16)
    assert batch_bytes(wider, 32) > base


def test_a_batch_that_cannot_fit_one_name_says_what_else_to_shrink(memory):
    memory(1)
    with pytest.raises(ValueError, match="make n_embd, n_layer or block_size smaller"):
        check_batch(BIG, 2)


def test_check_training_checks_the_batch_on_the_tensor_engine(memory):
    memory(64)
    check_training(BIG, ["emma"], engine="tensor", batch_size=8)
    with pytest.raises(ValueError, match="batch of 100,000 names"):
        check_training(BIG, ["emma"], engine="tensor", batch_size=100_000)


def test_too_many_samples_are_refused(memory):
    check_samples(BIG, MAX_SAMPLES)
    with pytest.raises(ValueError, match=f"num_samples is 1,000,000,000; the limit is "
                                         f"{MAX_SAMPLES:,}"):
        check_samples(BIG, 10**9)
    memory(0)
    with pytest.raises(ValueError, match="make num_samples smaller"):
        check_samples(BIG, 1000)


def test_a_beam_too_wide_is_refused(memory):
    memory(256)
    check_beam(BIG, 8)
    with pytest.raises(ValueError, match=r"a beam search 1,000,000 beams wide .* make "
                                         r"beam_width smaller \(about \d+ beams fit\)"):
        check_beam(BIG, 10**6)


def test_the_cli_refuses_too_many_samples_before_training(names_path):
    line = failed_before_training(cli("--num_samples", 10**9, "--data", names_path))
    assert "num_samples is 1,000,000,000; the limit is" in line


def test_available_memory_sees_an_address_space_limit():
    code = ("import resource; resource.setrlimit(resource.RLIMIT_AS, (400 * 2**20, 400 * 2**20));"
            "from microgpt.limits import available_memory; print(available_memory())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True).stdout
    assert 0 < int(out) < 400 * 2**20


# ---------------------------------------------------------------- save paths

def test_the_check_names_the_typed_path_and_a_relative_path_stays_relative(tmp_path,
                                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    with pytest.raises(SaveError, match=r"^cannot save to out: it is a folder"):
        check_save_path("out")
    assert check_save_path("new/deeper/m.json") == Path("new/deeper/m.json")   # made later
    assert not (tmp_path / "new").exists()                 # the trial folder is gone again
    monkeypatch.setattr(os, "access", lambda *a, **k: False)         # as a non-root user
    with pytest.raises(SaveError, match=r"no permission to write in the folder \.$"):
        check_save_path("new/deeper/m.json")


def test_a_trailing_slash_is_refused_not_written_as_a_file(tmp_path):
    typed = str(tmp_path / "newfolder") + "/"
    with pytest.raises(SaveError) as e:
        check_save_path(typed)
    assert str(e.value) == (f"cannot save to {typed}: a path ending in / names a folder; give "
                            f"a file name, e.g. {tmp_path / 'newfolder' / 'model.json'}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("length", [236, 245, 250, 255])
def test_a_long_name_that_passes_the_check_can_be_written(tmp_path, length):
    path = tmp_path / ("n" * (length - 5) + ".json")
    assert len(path.name) == length
    check_save_path(path)
    assert len(temp_path(path).name) <= 255                # the temporary name fits too
    write_atomic(path, b"{}")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_name_too_long_is_refused_up_front(tmp_path):
    path = tmp_path / ("n" * 251 + ".json")
    with pytest.raises(SaveError, match=r"the name is too long for this file system \(a file "
                                        r"name may have 255 bytes\): give a shorter name"):
        check_save_path(path)
    with pytest.raises(SaveError, match="give a shorter name"):
        check_save_path(tmp_path / "new" / ("n" * 300))


@pytest.mark.parametrize("target", ["/proc/m.json", "/sys/m.json", "/proc/new/m.json"])
def test_proc_and_sys_fail_the_check(target):
    if not Path("/", target.split("/")[1]).is_dir():
        pytest.skip("no such file system here")
    with pytest.raises(SaveError, match=f"^cannot save to {target}: "):
        check_save_path(target)


def test_a_save_into_proc_fails_in_the_cli_before_training(names_path):
    line = failed_before_training(cli("--num_steps", 10**8, "--data", names_path,
                                      "--save", "/proc/m.json"))
    assert line.startswith("error: cannot save to /proc/m.json: ") and ".tmp" not in line


def test_another_users_file_in_a_sticky_folder_fails_before_training(names_path):
    prefix = as_another_user()
    if not prefix:
        pytest.skip("needs root to make a file of another user")
    top = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        top.chmod(0o1777)                                   # sticky, world-writable: like /tmp
        theirs = top / "m.json"
        theirs.write_text('{"format":"microgpt-checkpoint"}')
        theirs.chmod(0o666)                                 # even writable by everyone
        assert os.stat(top).st_mode & stat.S_ISVTX
        line = failed_before_training(cli("--num_steps", 10**8, "--data", names_path,
                                          "--save", theirs, prefix=prefix,
                                          env={"PYTHONDONTWRITEBYTECODE": "1"}))
        assert line == (f"error: cannot save to {theirs}: the file belongs to another user in a "
                        f"shared folder ({top} is sticky, like /tmp), so it cannot be replaced; "
                        "give another path")
    finally:
        shutil.rmtree(top)
