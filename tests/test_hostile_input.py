"""Issue 13: nothing a learner types loses their work or ends in a traceback.

Each case of the issue is a test here: the command line through a real subprocess (exit
status 2 and exactly one `error: ...` line, nothing on stdout when it fails before training),
the API through the exception it raises, the panels through their message.
"""
import json
import math
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from microgpt.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from microgpt.course.session import StepCost, TrainingSession
from microgpt.data import MAX_DATA_BYTES, DataError, load_names, read_docs, write_atomic
from microgpt.limits import SaveError, check_memory, check_params, check_save_path
from microgpt.model import GPT, GPTConfig, count_params, param_shapes
from microgpt.sample import generate
from microgpt.tokenizer import CharTokenizer
from microgpt.training import TrainingDiverged, train

from conftest import ROOT

FAST = ["--n_embd", "8", "--n_head", "2", "--num_samples", "0"]
NEVER_ENDS = ["--num_steps", "100000000"]      # if a check came after training: a timeout


def cli(*argv, env=None, timeout=120, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "microgpt", *map(str, argv)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **(env or {})})


def one_error_line(proc, code=2):
    """The text of the one `error: ...` line of a failed run (and no traceback)."""
    assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr.strip()


def failed_before_training(proc):
    line = one_error_line(proc)
    assert proc.stdout == "", "the check must come before any output (and any training)"
    return line


@pytest.fixture(scope="module")
def tiny():
    tok = CharTokenizer(["emma", "olivia", "ava", "isabella", "sophia"])
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=8)
    return GPT(cfg, random.Random(0)), tok


# ================================================================ work is never lost

def test_save_into_an_existing_folder_fails_before_training(names_path, tmp_path):
    line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path,
                                      "--save", tmp_path))
    assert line == (f"error: cannot save to {tmp_path}: it is a folder; give a file name, "
                    f"e.g. {tmp_path / 'model.json'}")


def test_save_under_a_file_fails_before_training(names_path, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    typed = blocker / "sub" / "m.json"
    line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path,
                                      "--save", typed))
    assert line == f"error: cannot save to {typed}: {blocker} is a file, not a folder"
    assert blocker.read_text() == "keep me"


def test_empty_save_path_fails_before_training(names_path):
    line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path, "--save", ""))
    assert line == "error: the path to save to is empty; give a file name such as model.json"


def as_another_user():
    """A command prefix that runs a process without root's right to write anywhere."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: root may write anywhere")
    return ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def test_save_into_a_folder_without_write_permission_fails_before_training(names_path):
    prefix = as_another_user()
    top = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        top.chmod(0o755)
        locked = top / "locked"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        typed = locked / "m.json"
        line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path,
                                          "--save", typed, prefix=prefix,
                                          env={"PYTHONDONTWRITEBYTECODE": "1"}))
        assert line == (f"error: cannot save to {typed}: no permission to write in the "
                        f"folder {locked}")
        assert ".tmp" not in line
    finally:
        (top / "locked").chmod(0o755)
        shutil.rmtree(top)


def test_the_check_names_the_typed_path_and_a_relative_path_stays_relative(tmp_path,
                                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    with pytest.raises(SaveError, match=r"^cannot save to out: it is a folder"):
        check_save_path("out")
    assert check_save_path("new/deeper/m.json") == Path("new/deeper/m.json")   # made later
    monkeypatch.setattr(os, "access", lambda *a, **k: False)         # as a non-root user
    with pytest.raises(SaveError, match=r"no permission to write in the folder \.$"):
        check_save_path("new/deeper/m.json")


def test_a_write_that_fails_late_names_the_path_not_the_temporary_file(tmp_path, monkeypatch):
    def denied(src, dst):
        raise PermissionError(13, "Permission denied", str(src))
    monkeypatch.setattr(os, "replace", denied)
    dest = tmp_path / "m.json"
    with pytest.raises(PermissionError) as e:
        write_atomic(dest, b"{}")
    assert str(dest) in str(e.value) and ".tmp" not in str(e.value)
    assert list(tmp_path.iterdir()) == []


def special_targets(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("the file the link points to")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    return [(link, "a symbolic link"), (fifo, "a FIFO (named pipe)"),
            (Path("/dev/null"), "a device"), (folder, "a folder")]


def test_saving_never_replaces_what_is_not_a_regular_file(tiny, tmp_path):
    model, tok = tiny
    for target, kind in special_targets(tmp_path):
        with pytest.raises(SaveError, match=re.escape(f"cannot save to {target}: it is {kind}")):
            save_checkpoint(target, model, tok)
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_text() == "the file the link points to"
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe.json").st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_saving_npz_never_replaces_what_is_not_a_regular_file(tmp_path):
    np = pytest.importorskip("numpy")
    from microgpt.tensor.checkpoint import save_npz
    from microgpt.tensor.model import TensorGPT
    tok = CharTokenizer(["emma", "ava"])
    model = TensorGPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2),
                      random.Random(0), dtype=np.float32)
    for target, kind in special_targets(tmp_path):
        with pytest.raises(SaveError, match=re.escape(f"it is {kind}")):
            save_npz(target, model, tok)


def test_cli_refuses_a_symlink_and_a_device_as_save_target(names_path, tmp_path):
    real = tmp_path / "real.json"
    real.write_text("x")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    for target, kind in [(link, "a symbolic link"), ("/dev/null", "a device")]:
        line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path,
                                          "--save", target))
        assert line == (f"error: cannot save to {target}: it is {kind}, not a regular file, "
                        "and saving would replace it; give another path")
    assert link.is_symlink() and real.read_text() == "x"


def test_a_read_only_file_is_not_replaced_without_saying_so(names_path, tiny, tmp_path):
    ro = tmp_path / "frozen.json"
    ro.write_text("precious")
    ro.chmod(0o444)
    line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path, "--save", ro))
    assert line.startswith(f"error: cannot save to {ro}: the file is read-only; make it "
                           f"writable (chmod u+w {ro}) or delete it")
    with pytest.raises(SaveError, match="read-only"):
        save_checkpoint(ro, *tiny)
    assert ro.read_text() == "precious"


def test_a_good_save_still_works_and_replaces_a_regular_file(names_path, tmp_path):
    path = tmp_path / "m.json"
    path.write_text("old")
    proc = cli(*FAST, "--num_steps", "2", "--data", names_path, "--save", path)
    assert proc.returncode == 0 and f"saved checkpoint to {path}" in proc.stdout
    assert load_checkpoint(path).model.config.n_embd == 8


def test_npz_checkpoints_are_written_atomically_and_readable_by_others(tmp_path):
    np = pytest.importorskip("numpy")
    from microgpt.tensor.checkpoint import save_npz
    from microgpt.tensor.model import TensorGPT
    tok = CharTokenizer(["emma", "ava"])
    model = TensorGPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2),
                      random.Random(0), dtype=np.float32)
    old = os.umask(0o022)
    try:
        path = save_npz(tmp_path / "m.npz", model, tok)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


# ---------------------------------------------------------------- interrupting validation

main_thread_only = pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                                      reason="signal handlers live on the main thread")


def interrupting_validation(session, presses):
    """Make the session's next validation press the stop button `presses` times as it
    starts; returns a dict that gets the seconds the validation then took."""
    took, validate = {}, session.validate

    def validate_pressed(should_stop=None):
        for _ in range(presses):
            os.kill(os.getpid(), signal.SIGINT)
        start = time.perf_counter()
        try:
            return validate(should_stop)
        finally:
            took["seconds"] = time.perf_counter() - start
    session.validate = validate_pressed
    return took


def full_validation_seconds(session):
    start = time.perf_counter()
    session.validate()
    session.val.pop()
    return time.perf_counter() - start


@main_thread_only
def test_interrupting_validation_stops_within_a_second(docs):
    s = TrainingSession(docs[:200], docs[200:500], n_embd=8, n_head=2, val_size=300)
    full = full_validation_seconds(s)
    took = interrupting_validation(s, presses=1)
    done = s.train(3, val_every=1)
    assert s.interrupted and done == 1 and s.val == []       # the validation was abandoned
    assert took["seconds"] < min(1.0, full / 4), (took, full)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    del s.validate
    assert s.train(1) == 1 and not s.interrupted and len(s.val) == 1   # goes on as usual


@main_thread_only
def test_a_second_interrupt_is_not_swallowed(docs):
    s = TrainingSession(docs[:200], docs[200:500], n_embd=8, n_head=2, val_size=300)
    interrupting_validation(s, presses=2)
    with pytest.raises(KeyboardInterrupt):
        s.train(3, val_every=1)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    del s.validate                  # interrupted between steps: the session is still whole
    assert s.broken is None and s.train(1) == 1 and s.optimizer.t == len(s.losses) == 2


# ================================================================ no tracebacks

# ---------------------------------------------------------------- a tiny temperature

def test_a_tiny_temperature_is_greedy_in_the_cli(names_path):
    proc = cli("--n_embd", "8", "--n_head", "2", "--num_steps", "20", "--num_samples", "3",
               "--temperature", "1e-310", "--data", names_path)
    assert proc.returncode == 0 and proc.stderr == ""
    samples = [line.split(": ", 1)[1] for line in proc.stdout.splitlines()
               if line.startswith("sample ")]
    assert len(samples) == 3 and len(set(samples)) == 1       # greedy: the same name


@pytest.mark.parametrize("temperature", [1e-310, 5e-324, 1e-300, 1e-200])
def test_a_tiny_temperature_is_greedy_in_generate(tiny, temperature):
    model, tok = tiny
    greedy = generate(model, tok, random.Random(1), top_k=1)
    assert generate(model, tok, random.Random(2), temperature) == greedy


def test_a_tiny_temperature_is_greedy_in_generate_tensor(tiny):
    pytest.importorskip("numpy")
    from microgpt.tensor.model import TensorGPT
    from microgpt.tensor.sample import generate_tensor
    model, tok = tiny
    tmodel = TensorGPT.from_gpt(model)
    greedy = generate(model, tok, random.Random(1), top_k=1)
    for temperature in (1e-310, 5e-324):
        assert generate_tensor(tmodel, tok, random.Random(2), temperature) == greedy


# ---------------------------------------------------------------- training that diverges

def test_diverging_training_stops_at_the_first_nan_with_one_line(names_path, tmp_path):
    save = tmp_path / "m.json"
    proc = cli(*FAST, "--learning_rate", "5", "--num_steps", "300", "--data", names_path,
               "--save", save)
    line = one_error_line(proc)
    assert line.startswith("error: training diverged at step ")
    assert line.endswith("; lower the learning rate (it was 5; try 0.5)")
    assert "nan" not in proc.stdout and "Total of weights" not in proc.stderr
    step = int(line.split("at step ")[1].split()[0])
    assert proc.stdout.count("| loss ") == step - 1              # it stopped at that step
    assert not save.exists()


def test_train_raises_training_diverged_before_a_nan_is_recorded(docs):
    tok = CharTokenizer(docs)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2), random.Random(0))
    seen = []
    with pytest.raises(TrainingDiverged, match=r"training diverged at step \d+ of 500"):
        train(model, docs, tok, 500, learning_rate=50.0,
              callback=lambda k, n, loss: seen.append(loss))
    assert all(math.isfinite(x) for x in seen)


def test_a_diverged_model_is_not_saved_as_a_broken_checkpoint(tiny, tmp_path):
    model, tok = tiny
    model.state_dict["wte"][0][0].data = math.nan
    with pytest.raises(CheckpointError, match="not finite"):
        save_checkpoint(tmp_path / "m.json", model, tok)
    assert not (tmp_path / "m.json").exists()
    model.state_dict["wte"][0][0].data = 0.0


def test_tensor_training_that_diverges_raises_training_diverged(docs):
    pytest.importorskip("numpy")
    from microgpt.tensor.model import TensorGPT
    from microgpt.tensor.training import train_tensor
    tok = CharTokenizer(docs)
    model = TensorGPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2),
                      random.Random(0))
    # the fused cross-entropy keeps a big learning rate's loss finite (huge, not NaN); an
    # absurd one overflows the weights
    with pytest.raises(TrainingDiverged, match="training diverged at step 2 of 100: the loss "
                                               "became nan"):
        train_tensor(model, docs, tok, 100, learning_rate=1e200, batch_size=4)


def test_a_session_that_diverges_says_so_and_refuses_to_go_on(docs):
    s = TrainingSession(docs[:300], docs[300:310], n_embd=8, n_head=2, learning_rate=50.0)
    with pytest.raises(TrainingDiverged):
        s.train(500)
    with pytest.raises(ValueError, match="start a new one"):
        s.train(1)


# ---------------------------------------------------------------- sizes

@pytest.mark.parametrize("flag", ["--n_layer", "--n_embd"])
def test_a_model_too_big_is_refused_up_front_in_the_cli(names_path, flag):
    start = time.perf_counter()
    line = failed_before_training(cli(flag, "100000", "--n_head", "1", "--data", names_path))
    assert time.perf_counter() - start < 30
    assert "parameters; the limit is 10,000,000" in line
    assert "make n_embd, n_layer or block_size smaller" in line


def test_a_model_too_big_is_refused_by_the_guards(monkeypatch):
    with pytest.raises(ValueError, match=r"has about 307,\d{3},\d{3} parameters; the limit"):
        check_params(GPTConfig(vocab_size=28, n_layer=100_000))
    with pytest.raises(ValueError, match="the limit is 10,000,000"):
        check_params(GPTConfig(vocab_size=28, n_embd=100_000, n_head=1))
    with pytest.raises(ValueError, match="the limit"):
        check_params(GPTConfig(vocab_size=28, n_embd=4, n_head=1, block_size=10**12))
    cfg = GPTConfig(vocab_size=28, n_embd=64, n_layer=4)      # 200k parameters
    monkeypatch.setattr("microgpt.limits.available_memory", lambda: 10 * 2**20)
    with pytest.raises(ValueError, match=r"needs about \d+ MB of memory; this process has "
                                         r"about 10 MB"):
        check_memory(cfg)


def test_count_params_is_the_sum_over_param_shapes():
    for cfg in [GPTConfig(vocab_size=28), GPTConfig(vocab_size=5, n_embd=12, n_head=3,
                                                      n_layer=3, block_size=5)]:
        assert count_params(cfg) == sum(r * c for _, r, c, _ in param_shapes(cfg))


def test_an_indivisible_huge_n_embd_does_not_hang():
    start = time.perf_counter()
    with pytest.raises(ValueError):
        GPTConfig(vocab_size=28, n_embd=10**15 + 1, n_head=2)
    assert time.perf_counter() - start < 1


def test_a_session_too_big_for_memory_is_refused(docs, monkeypatch):
    monkeypatch.setattr("microgpt.limits.available_memory", lambda: 2**20)
    with pytest.raises(ValueError, match="this process has about 1 MB"):
        TrainingSession(docs[:100], n_embd=32, n_layer=2)


# ---------------------------------------------------------------- data

def test_dev_zero_is_refused_without_reading_it(tmp_path):
    proc = cli(*FAST, "--data", "/dev/zero", timeout=60)
    line = failed_before_training(proc)
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
    start = time.perf_counter()
    line = failed_before_training(cli(*FAST, "--data", huge))
    assert time.perf_counter() - start < 30
    assert line == (f"error: {huge} is 2.0 GB, too big for a file of names (the limit is "
                    f"{MAX_DATA_BYTES / 2**20:.1f} MB; names.txt is 0.2 MB)")


def test_a_nul_byte_is_refused(tmp_path):
    path = tmp_path / "n.txt"
    path.write_bytes(b"anna\nbo\x00b\n")
    line = failed_before_training(cli(*FAST, "--data", path))
    assert line == (f"error: {path} is not a text file of names: it holds a NUL byte (at "
                    "offset 7); give a text file with one name per line")


def test_a_byte_order_mark_is_not_a_vocabulary_character(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("anna\nbob\n".encode("utf-8-sig"))
    docs = read_docs(path)
    assert docs == ["anna", "bob"] and "\ufeff" not in CharTokenizer(docs).chars
    proc = cli(*FAST, "--num_steps", "1", "--data", path)
    assert proc.returncode == 0 and proc.stdout.startswith("vocab size: 6, num docs: 2")


def test_microgpt_data_pointing_nowhere_names_the_variable(tmp_path, monkeypatch):
    nowhere = tmp_path / "missing.txt"
    line = failed_before_training(cli(*FAST, env={"MICROGPT_DATA": str(nowhere)}))
    assert line == (f"error: no data file at {nowhere}; check the path (this path comes from "
                    "the environment variable MICROGPT_DATA: fix it, or unset MICROGPT_DATA "
                    "to use data/names.txt)")
    monkeypatch.setenv("MICROGPT_DATA", str(tmp_path))
    with pytest.raises(DataError, match="is a folder.*environment variable MICROGPT_DATA"):
        load_names()
    with pytest.raises(DataError) as e:        # an explicit path does not blame the variable
        load_names(nowhere)
    assert "MICROGPT_DATA" not in str(e.value)


# ---------------------------------------------------------------- JSON checkpoints

def damaged(path, text):
    path.write_text(text)
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(path)
    return str(e.value)


@pytest.fixture
def saved(tiny, tmp_path):
    model, tok = tiny
    path = save_checkpoint(tmp_path / "m.json", model, tok)
    return path, json.loads(path.read_text())


def test_weights_that_are_not_a_dict_are_a_checkpoint_error(saved):
    path, doc = saved
    msg = damaged(path, json.dumps({**doc, "weights": [1]}))
    assert msg == (f"{path} is a damaged checkpoint: weights must be {{name: rows of "
                   "numbers}, got list")


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_weights_are_a_checkpoint_error(saved, bad):
    path, doc = saved
    text = json.dumps(doc).replace('"wte": [[', f'"wte": [[{bad}, ', 1)
    text = text.replace(f"[[{bad}, {doc['weights']['wte'][0][0]!r}", f"[[{bad}", 1)
    msg = damaged(path, text)
    assert msg == (f"{path} has weights that are not finite numbers (NaN or infinity) in "
                   "'wte': it comes from a run that diverged; train again with a smaller "
                   "learning rate")


def test_absurdly_nested_json_is_a_checkpoint_error(tmp_path):
    msg = damaged(tmp_path / "deep.json", "[" * 200_000 + "]" * 200_000)
    assert msg == f"{tmp_path / 'deep.json'} is not a microgpt checkpoint (its JSON is nested " \
                  "too deeply)"


def test_a_checkpoint_path_that_is_a_device_or_fifo_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(CheckpointError, match="is not a regular file"):
            load_checkpoint(path)
    with pytest.raises(CheckpointError, match="is a folder, not a checkpoint file"):
        load_checkpoint(tmp_path)


def test_a_missing_part_is_named(saved):
    path, doc = saved
    del doc["config"]
    assert damaged(path, json.dumps(doc)) == (f"{path} is a damaged checkpoint: 'config' is "
                                              "missing")


# ---------------------------------------------------------------- .npz checkpoints

@pytest.fixture
def npz(tmp_path):
    np = pytest.importorskip("numpy")
    from microgpt.tensor.checkpoint import save_npz
    from microgpt.tensor.model import TensorGPT
    tok = CharTokenizer(["emma", "olivia", "ava"])
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2)
    model = TensorGPT(cfg, random.Random(0), dtype=np.float32)
    return save_npz(tmp_path / "m.npz", model, tok, {"note": "hi"}), model, tok


def npz_error(path):
    from microgpt.tensor.checkpoint import load_npz
    with pytest.raises(CheckpointError) as e:
        load_npz(path)
    msg = str(e.value)
    assert "allow_pickle" not in msg and "pickle" not in msg.lower()
    return msg


def rewrite_npz(path, header=None, drop=(), change=None):
    import numpy as np
    with np.load(path) as f:
        arrays = {n: f[n] for n in f.files}
    h = json.loads(str(arrays.pop("header")))
    h.update(header or {})
    for name in drop:
        del arrays[name]
    arrays.update(change or {})
    np.savez(path, header=np.array(json.dumps(h)), **arrays)


def test_npz_empty_truncated_folder_and_missing(npz, tmp_path):
    path = npz[0]
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    assert npz_error(path) == (f"{path} is a damaged checkpoint (truncated, or not written by "
                               "save_npz); save it again")
    path.write_bytes(b"")
    assert npz_error(path) == f"{path} is empty: it is not a checkpoint (save it again)"
    assert npz_error(tmp_path) == f"{tmp_path} is a folder, not a checkpoint file"
    assert npz_error(tmp_path / "none.npz") == f"no checkpoint at {tmp_path / 'none.npz'}"
    assert "is not a regular file" in npz_error(Path("/dev/zero"))
    path.write_bytes(b"\x93NUMPY\x01\x00garbage")             # a .npy, which may hold pickles
    assert npz_error(path) == f"{path} is not an .npz checkpoint (not a zip archive)"


def test_npz_given_a_json_checkpoint_says_so(tiny, tmp_path):
    path = save_checkpoint(tmp_path / "m.json", *tiny)
    assert npz_error(path) == (f"{path} is a JSON file, not an .npz checkpoint; a JSON "
                               "checkpoint loads with microgpt.checkpoint.load_checkpoint")


def test_npz_with_a_missing_or_misshapen_array(npz):
    import numpy as np
    path = npz[0]
    rewrite_npz(path, drop=["layer0.mlp_fc1"])
    assert npz_error(path) == (f"{path} is a damaged checkpoint: the array 'layer0.mlp_fc1' "
                               "is missing")
    rewrite_npz(path, change={"layer0.mlp_fc1": np.zeros((3, 3))})
    assert npz_error(path) == (f"{path} is a damaged checkpoint: the array 'layer0.mlp_fc1' "
                               "has shape (3, 3), the configuration says (32, 8)")


def test_npz_whose_vocabulary_or_config_disagrees_with_the_arrays(npz):
    path, model, tok = npz
    rewrite_npz(path, header={"vocab": tok.itos[:-1]})
    assert npz_error(path) == (f"{path} is a damaged checkpoint: vocabulary of "
                               f"{tok.vocab_size - 1} tokens for a model of {tok.vocab_size}")
    rewrite_npz(path, header={"vocab": tok.itos,
                              "config": {**model.config.to_dict(), "n_embd": 16}})
    assert npz_error(path) == (f"{path} is a damaged checkpoint: the array 'wte' has shape "
                               f"({tok.vocab_size}, 8), the configuration says "
                               f"({tok.vocab_size}, 16)")


def test_npz_with_non_finite_weights_or_a_pickled_array(npz):
    import numpy as np
    path, model, _ = npz
    bad = model.params["wte"].data.copy()
    bad[0, 0] = np.nan
    rewrite_npz(path, change={"wte": bad})
    assert "the array 'wte' holds weights that are not finite" in npz_error(path)
    rewrite_npz(path, change={"wte": np.array([{"a": 1}], dtype=object)})
    npz_error(path)


def test_npz_round_trip_still_works(npz):
    from microgpt.tensor.checkpoint import load_npz
    path, model, tok = npz
    loaded, ltok, meta = load_npz(path, dtype=model.dtype)
    assert ltok == tok and meta == {"note": "hi"}
    assert all((loaded.params[n].data == p.data).all() for n, p in model.params.items())


# ---------------------------------------------------------------- widgets and sessions

def test_sessions_refuse_empty_documents_unknown_settings_and_negative_sizes(docs):
    with pytest.raises(ValueError, match="at least one training document"):
        TrainingSession([])
    with pytest.raises(ValueError, match="at least one training document"):
        StepCost([], CharTokenizer(["ab"]))
    with pytest.raises(ValueError, match="unknown setting 'n_embed'; the settings are n_embd"):
        TrainingSession(docs[:10], n_embed=8)
    with pytest.raises(ValueError, match="val_size must be at least 0, got -1"):
        TrainingSession(docs[:10], docs[10:20], val_size=-1)
    s = TrainingSession(docs[:10], docs[10:20], n_embd=8, n_head=2)
    with pytest.raises(ValueError, match="val_every must be at least 1"):
        s.train(2, val_every=-3)


@pytest.fixture(scope="module")
def panel_split(docs):
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    return docs[:200], docs[200:220]


def test_the_training_panel_refuses_empty_documents_and_negative_sizes(panel_split):
    from microgpt.course.widgets import training_panel
    with pytest.raises(ValueError, match="the training panel needs at least one training "
                                         "document"):
        training_panel([], [])
    with pytest.raises(ValueError, match="val_size must be at least 0, got -5"):
        training_panel(*panel_split, val_size=-5)


def test_the_training_panel_explains_unknown_settings_and_sizes(panel_split):
    from microgpt.course.widgets import training_panel
    panel = training_panel(*panel_split, val_size=5, num_samples=2)
    panel.train(n_embed=8)
    assert panel.session is None and panel.info.value.startswith(
        "<b>Cannot build this model:</b> unknown setting 'n_embed'; the settings are n_embd")
    assert panel.show_estimate(num_step=3) is None and "unknown setting" in panel.info.value
    panel.train(n_layer=100_000)
    assert panel.session is None and "trains at most 500,000" in panel.info.value
    panel.train(n_embd=128, n_layer=4, n_head=4)                # 800k: fine for GPTConfig
    assert panel.session is None and "the training panel trains at most 500,000" in \
        panel.info.value
    assert panel.show_estimate(n_embd=128, n_layer=4) is None
    panel.train(learning_rate=-1)
    assert "learning_rate must be a positive finite number" in panel.info.value


def test_the_training_panel_reports_divergence(panel_split):
    from microgpt.course.widgets import training_panel
    panel = training_panel(*panel_split, val_size=5, num_samples=2)
    panel.n_embd.value, panel.n_head.value, panel.num_steps.value = 8, 2, 300
    panel.train(learning_rate=50.0)
    assert panel.info.value.startswith("<b>Training stopped:</b> training diverged at step ")
    assert panel.more_button.disabled and not panel.train_button.disabled
    panel.train(fresh=False)
    assert "start a new one" in panel.info.value


# ---------------------------------------------------------------- the tensor engine

def test_tensor_engine_checks_learning_rate_and_token_ids(docs):
    np = pytest.importorskip("numpy")
    from microgpt.tensor.model import TensorGPT
    from microgpt.tensor.optim import TensorAdam
    from microgpt.tensor.training import train_tensor
    tok = CharTokenizer(docs)
    model = TensorGPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2),
                      random.Random(0))
    for lr in (0, -0.01, math.nan, math.inf):
        with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
            TensorAdam(model.parameters(), lr=lr)
        with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
            train_tensor(model, docs, tok, 1, learning_rate=lr)
    with pytest.raises(ValueError, match="learning_rate must be a number"):
        TensorAdam(model.parameters(), lr="0.01")
    v = tok.vocab_size
    for bad in (-1, v, 10**6):
        with pytest.raises(ValueError, match=rf"token {bad} is outside the vocabulary "
                                             rf"\(0..{v - 1}\)"):
            model.forward(np.array([[0, bad]]))
        with pytest.raises(ValueError, match=f"token {bad} is outside the vocabulary"):
            model.loss([[0, 2, bad]])
    with pytest.raises(ValueError, match="token ids must be whole numbers"):
        model.forward(np.array([[0, 2.5]]))
    with pytest.raises(ValueError, match="token ids must be whole numbers, got 2.5"):
        model.loss([[0, 2.5, 1]])
