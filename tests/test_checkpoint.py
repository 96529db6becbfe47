"""checkpoint: bit-exact round trip, atomic writes, corrupt files, other vocabularies; hostile
files for both formats (the JSON and the .npz loader refuse the same things before reading)."""
import json
import math
import os
import random
import re
import stat
import zipfile
from pathlib import Path

import pytest

from microgpt import GPT, CharTokenizer, GPTConfig
from microgpt.checkpoint import (
    MAX_CHECKPOINT_BYTES,
    CheckpointError,
    is_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from microgpt.limits import SaveError
from microgpt.sample import generate
from microgpt.training import train

from conftest import tiny_gpt


@pytest.fixture
def trained(tmp_path):
    docs = ["anna", "bob", "carla", "dave", "eve"]
    tok = CharTokenizer(docs)
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2, block_size=6),
                random.Random(0))
    train(model, docs, tok, 5)
    return model, tok, tmp_path / "m.json"


def test_round_trip_is_bit_exact(trained):
    model, tok, path = trained
    save_checkpoint(path, model, tok, meta={"val_loss": 2.5})
    ck = load_checkpoint(path, tokenizer=tok)
    assert ck.model.weights() == model.weights()          # float equality, every entry
    assert ck.model.config == model.config and ck.tokenizer == tok
    assert ck.meta == {"val_loss": 2.5}
    assert generate(ck.model, tok, random.Random(5)) == generate(model, tok, random.Random(5))


def test_save_is_atomic_and_keeps_the_old_file_on_failure(trained, monkeypatch):
    model, tok, path = trained
    save_checkpoint(path, model, tok)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        save_checkpoint(path, model, tok, meta={"new": True})
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["m.json"]


def test_corrupt_truncated_or_foreign_files_are_clear_errors(trained):
    model, tok, path = trained
    save_checkpoint(path, model, tok)
    good = path.read_text()
    cases = {
        "truncated": good[: len(good) // 2],
        "not json": "\x00\x01 garbage",
        "other json": json.dumps({"hello": 1}),
        "bad weights": good.replace('"wte":[[', '"wte":[["x",'),
    }
    for name, text in cases.items():
        path.write_text(text)
        with pytest.raises(CheckpointError) as e:
            load_checkpoint(path)
        assert str(path) in str(e.value), name
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(path.parent / "nope.json")


def test_a_checkpoint_for_another_vocabulary_is_refused(trained):
    model, tok, path = trained
    save_checkpoint(path, model, tok)
    with pytest.raises(CheckpointError, match="another vocabulary"):
        load_checkpoint(path, tokenizer=CharTokenizer(["xyz"]))


def test_version_mismatch_is_named(trained):
    model, tok, path = trained
    save_checkpoint(path, model, tok)
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(path)


def test_saved_files_are_readable_by_others_like_any_file(trained):
    import os
    model, tok, path = trained
    old = os.umask(0o022)
    try:
        save_checkpoint(path, model, tok)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644       # not mkstemp's private 0600


# ================================================================ hostile files (issues 13, 20)
# Both formats go through one set of checks (checkpoint.read_header, check_weights): each case
# below is asked of the JSON loader and of the .npz loader, and both must refuse it.

def damaged(path, text):
    path.write_text(text)
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(path)
    return str(e.value)


@pytest.fixture
def saved(tmp_path):
    model, tok = tiny_gpt()
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


def test_a_checkpoint_too_big_is_refused_before_it_is_read(tmp_path, monkeypatch):
    for name in ("big.json", "big.npz"):
        path = tmp_path / name
        with open(path, "wb") as f:                         # sparse: takes no disk space
            f.truncate(2 * 2**30)
        monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("read"))
        with pytest.raises(CheckpointError) as e:
            (load_checkpoint if name.endswith("json") else load_npz())(path)
        assert str(e.value) == (f"{path} is 2.0 GB, too big for a microgpt checkpoint (the "
                                f"limit is {MAX_CHECKPOINT_BYTES / 2**20:.1f} MB; the course's "
                                "biggest model is 4 MB)")


def test_a_huge_config_is_refused_before_any_weight_is_read(saved):
    path, doc = saved
    doc["config"]["n_layer"] = 10**6
    assert "parameters; the limit is 10,000,000" in damaged(path, json.dumps(doc))


# ---------------------------------------------------------------- .npz checkpoints

def load_npz():
    pytest.importorskip("numpy")
    from microgpt.tensor.checkpoint import load_npz
    return load_npz


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
    with pytest.raises(CheckpointError) as e:
        load_npz()(path)
    msg = str(e.value)
    assert "allow_pickle" not in msg and "pickle" not in msg.lower()
    return msg


def npz_members(path):
    """{member name: bytes} of an .npz (zip) file."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def npy_bytes(array):
    import io

    import numpy as np
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


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


def test_npz_given_a_json_checkpoint_says_so(tmp_path):
    path = save_checkpoint(tmp_path / "m.json", *tiny_gpt())
    assert npz_error(path) == (f"{path} is a JSON file, not an .npz checkpoint; a JSON "
                               "checkpoint loads with microgpt.checkpoint.load_checkpoint")


def test_npz_with_a_missing_or_misshapen_array(npz):
    import numpy as np
    path = npz[0]
    rewrite_npz(path, drop=["layer0.mlp_fc1"])
    assert npz_error(path) == (f"{path} is a damaged checkpoint: the matrix 'layer0.mlp_fc1' "
                               "is missing")
    rewrite_npz(path, change={"layer0.mlp_fc1": np.zeros((3, 3))})
    assert npz_error(path) == (f"{path} is a damaged checkpoint: the matrix 'layer0.mlp_fc1' "
                               "has shape (3, 3), the configuration says (32, 8)")


def test_npz_whose_vocabulary_or_config_disagrees_with_the_arrays(npz):
    path, model, tok = npz
    rewrite_npz(path, header={"vocab": tok.itos[:-1]})
    assert npz_error(path) == (f"{path} is a damaged checkpoint: vocabulary of "
                               f"{tok.vocab_size - 1} tokens for a model of {tok.vocab_size}")
    rewrite_npz(path, header={"vocab": tok.itos,
                              "config": {**model.config.to_dict(), "n_embd": 16}})
    assert npz_error(path) == (f"{path} is a damaged checkpoint: the matrix 'wte' has shape "
                               f"({tok.vocab_size}, 8), the configuration says "
                               f"({tok.vocab_size}, 16)")


def test_npz_with_non_finite_weights_or_a_pickled_array(npz):
    import numpy as np
    path, model, _ = npz
    bad = model.params["wte"].data.copy()
    bad[0, 0] = np.nan
    rewrite_npz(path, change={"wte": bad})
    assert npz_error(path) == (f"{path} has weights that are not finite numbers (NaN or "
                               "infinity) in 'wte': it comes from a run that diverged; train "
                               "again with a smaller learning rate")
    rewrite_npz(path, change={"wte": np.array([{"a": 1}], dtype=object)})
    assert "holds Python objects, not numbers" in npz_error(path)


def test_npz_round_trip_still_works(npz):
    path, model, tok = npz
    loaded, ltok, meta = load_npz()(path, dtype=model.dtype)
    assert ltok == tok and meta == {"note": "hi"}
    assert all((loaded.params[n].data == p.data).all() for n, p in model.params.items())
    loaded.params["wte"].data += 1.0                        # loaded arrays are writable


def test_a_400_byte_member_declaring_a_trillion_numbers_is_one_line(npz):
    import numpy as np
    path = npz[0]
    members = npz_members(path)
    header = npy_bytes(np.zeros(1))
    members["wte.npy"] = header.replace(b"(1,)", b"(1000000000000,)")  # a lie, 400 bytes
    assert len(members["wte.npy"]) < 400
    write_zip(path, members)
    assert npz_error(path) == (f"{path} is a damaged checkpoint: the matrix 'wte' has shape "
                               "(1000000000000,), the configuration says (9, 8)")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(npz):
    import tracemalloc
    path = npz[0]
    members = npz_members(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name != "wte.npy":
                z.writestr(name, data)
        with z.open("wte.npy", "w", force_zip64=True) as f:      # 256 MB of zeros in ~0.3 MB
            f.write(members["wte.npy"])
            chunk = bytes(2**20)
            for _ in range(256):
                f.write(chunk)
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    msg = npz_error(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert msg == (f"{path} is a damaged checkpoint: the member 'wte' declares "
                   f"{len(members['wte.npy']) + 256 * 2**20:,} bytes, more than the "
                   "configuration needs")
    assert peak < 16 * 2**20                                   # nothing was unpacked


def test_a_header_bomb_is_refused_before_it_is_unpacked(npz):
    path = npz[0]
    members = npz_members(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name != "header.npy":
                z.writestr(name, data)
        with z.open("header.npy", "w", force_zip64=True) as f:
            chunk = bytes(2**20)
            for _ in range(64):
                f.write(chunk)
    assert npz_error(path) == (f"{path} is a damaged checkpoint: the member 'header' declares "
                               f"{64 * 2**20:,} bytes, more than the configuration needs")


# ---------------------------------------------------------------- both formats agree

def json_and_npz(npz, tmp_path, change):
    """The two loaders' messages for the same damage: `change(weights)` edits {name: array}."""
    import numpy as np
    path, model, tok = npz
    weights = {n: p.data.astype(np.float64) for n, p in model.params.items()}
    change(weights)
    rewrite_npz(path, change=weights)
    doc = {"format": "microgpt-checkpoint", "version": 1, "config": model.config.to_dict(),
           "vocab": tok.itos, "meta": {},
           "weights": {n: w.tolist() for n, w in weights.items()}}
    jpath = tmp_path / "m.json"
    return damaged(jpath, json.dumps(doc)), npz_error(path), jpath, path


def test_string_weights_are_refused_by_both_loaders(npz, tmp_path):
    import numpy as np
    jmsg, nmsg, jp, npath = json_and_npz(
        npz, tmp_path, lambda w: w.update(wte=np.full(w["wte"].shape, "x")))
    assert jmsg == f"{jp} is a damaged checkpoint: the matrix 'wte' holds 'x' (str), not a number"
    assert nmsg == f"{npath} is a damaged checkpoint: the matrix 'wte' holds <U1, not numbers"


def test_boolean_weights_are_refused_by_both_loaders(npz, tmp_path):
    import numpy as np
    jmsg, nmsg, jp, npath = json_and_npz(
        npz, tmp_path, lambda w: w.update(wte=np.ones(w["wte"].shape, dtype=bool)))
    assert jmsg == f"{jp} is a damaged checkpoint: the matrix 'wte' holds True (bool), not a number"
    assert nmsg == f"{npath} is a damaged checkpoint: the matrix 'wte' holds bool, not numbers"


def test_an_extra_matrix_is_refused_by_both_loaders_in_the_same_words(npz, tmp_path):
    import numpy as np
    jmsg, nmsg, jp, npath = json_and_npz(npz, tmp_path, lambda w: w.update(extra=np.zeros((2, 2))))
    assert jmsg == f"{jp} is a damaged checkpoint: the matrix 'extra' is not part of this " \
                   "configuration"
    assert nmsg == jmsg.replace(str(jp), str(npath))


def test_huge_weights_are_a_diverged_run_for_both_loaders(npz, tmp_path):
    jmsg, nmsg, jp, npath = json_and_npz(npz, tmp_path, lambda w: w["wte"].__setitem__(
        (0, 0), 1e300))
    assert jmsg == (f"{jp} has weights that are as big as 1e+300 (more than 1e+06) in 'wte': it "
                    "comes from a run that diverged; train again with a smaller learning rate")
    assert nmsg == jmsg.replace(str(jp), str(npath))


def test_a_ragged_json_matrix_is_named(saved):
    path, doc = saved
    doc["weights"]["wpe"][1] = doc["weights"]["wpe"][1][:-1]
    assert damaged(path, json.dumps(doc)) == (f"{path} is a damaged checkpoint: the matrix "
                                              "'wpe' has rows of different lengths")


# ---------------------------------------------------------------- saving

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


def test_saving_never_replaces_what_is_not_a_regular_file(tmp_path):
    model, tok = tiny_gpt()
    for target, kind in special_targets(tmp_path):
        with pytest.raises(SaveError, match=re.escape(f"cannot save to {target}: it is {kind}")):
            save_checkpoint(target, model, tok)
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_text() == "the file the link points to"
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe.json").st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def tensor_tiny():
    np = pytest.importorskip("numpy")
    from microgpt.tensor.model import TensorGPT
    tok = CharTokenizer(["emma", "ava"])
    return TensorGPT(GPTConfig(vocab_size=tok.vocab_size, n_embd=8, n_head=2),
                     random.Random(0), dtype=np.float32), tok


def test_saving_npz_never_replaces_what_is_not_a_regular_file(tmp_path):
    from microgpt.tensor.checkpoint import save_npz
    model, tok = tensor_tiny()
    for target, kind in special_targets(tmp_path):
        with pytest.raises(SaveError, match=re.escape(f"it is {kind}")):
            save_npz(target, model, tok)


def test_npz_checkpoints_are_written_atomically_and_readable_by_others(tmp_path):
    from microgpt.tensor.checkpoint import save_npz
    model, tok = tensor_tiny()
    old = os.umask(0o022)
    try:
        path = save_npz(tmp_path / "m.npz", model, tok)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_save_npz_of_a_scalar_gpt_says_what_to_pass(tmp_path):
    from microgpt.tensor.checkpoint import save_npz
    with pytest.raises(CheckpointError) as e:
        save_npz(tmp_path / "m.npz", *tiny_gpt())
    assert str(e.value) == ("save_npz saves a TensorGPT, got GPT; for a GPT use "
                            "TensorGPT.from_gpt(model), or microgpt.save_checkpoint")


def test_a_diverged_model_is_not_saved_as_a_broken_checkpoint(tmp_path):
    model, tok = tiny_gpt()
    for bad in (math.nan, 1e300):
        model.state_dict["wte"][0][0].data = bad
        with pytest.raises(CheckpointError, match="it comes from a run that diverged"):
            save_checkpoint(tmp_path / "m.json", model, tok)
    assert not (tmp_path / "m.json").exists()


def test_a_file_that_is_not_a_checkpoint_is_not_replaced_unless_forced(tmp_path):
    model, tok = tiny_gpt()
    notes = tmp_path / "names.txt"
    notes.write_text("emma\nolivia\n")
    with pytest.raises(SaveError) as e:
        save_checkpoint(notes, model, tok)
    assert str(e.value) == (f"cannot save to {notes}: it is a file that is not a microgpt "
                            "checkpoint, and saving would replace it; give another path, or "
                            "pass force=True to replace it")
    assert notes.read_text() == "emma\nolivia\n"
    save_checkpoint(notes, model, tok, force=True)
    assert is_checkpoint(notes)
    save_checkpoint(notes, model, tok)                     # a checkpoint is replaced freely
    empty = tmp_path / "empty.json"
    empty.write_text("")
    save_checkpoint(empty, model, tok)                     # so is an empty file
    from microgpt.tensor.checkpoint import save_npz
    tmodel, ttok = tensor_tiny()
    npz_path = save_npz(tmp_path / "m.npz", tmodel, ttok)
    assert is_checkpoint(npz_path)
    other = tmp_path / "notes.bak"
    other.write_text("keep me")
    with pytest.raises(SaveError, match="not a microgpt checkpoint"):
        save_npz(other, tmodel, ttok)
    assert other.read_text() == "keep me"
