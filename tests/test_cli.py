"""The command line: the seed's transcript line for line, exact mode, determinism, bad input."""
import subprocess
import sys

import pytest

from microgpt.__main__ import main

from conftest import ROOT

DEMO = ["--n_embd", "16", "--n_layer", "1", "--n_head", "4", "--block_size", "8",
        "--num_steps", "100", "--learning_rate", "0.01", "--seed", "42"]
SEED_TRANSCRIPT = (ROOT / "tests" / "seed_transcript.txt").read_text().splitlines()


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.mark.slow
def test_legacy_backward_reproduces_the_seed_demo_line_for_line(capsys, names_path):
    code, lines, err = run(capsys, DEMO + ["--legacy-backward", "--data", str(names_path)])
    assert code == 0 and err == ""
    assert SEED_TRANSCRIPT[0] == "vocab size: 28, num docs: 32033"
    assert SEED_TRANSCRIPT[1] == "num params: 3648"
    assert len(SEED_TRANSCRIPT) == 2 + 100 + 2 + 5
    assert lines == SEED_TRANSCRIPT        # every step line and the five samples
    assert lines[-5:] == [f"sample {i}: {n}" for i, n in
                          enumerate(["peino", "hwl", "lsg", "eisddr", "tnrdjbk"])]


@pytest.fixture(scope="module")
def exact_runs(names_path):
    outs = []
    for _ in range(2):
        import contextlib
        import io
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(DEMO + ["--data", str(names_path)]) == 0
        outs.append(buf.getvalue().splitlines())
    return outs


@pytest.mark.slow
def test_exact_gradients_start_like_the_seed_then_differ(exact_runs):
    lines = exact_runs[0]
    assert lines[:3] == SEED_TRANSCRIPT[:3]              # same data, same init, same first loss
    assert lines[2] == "step 1 / 100 | loss 3.3325"
    steps = [line for line in lines if line.startswith("step ")]
    assert len(steps) == 100
    assert steps != SEED_TRANSCRIPT[2:102]
    losses = [float(line.rsplit(" ", 1)[1]) for line in steps]
    assert sum(losses[-20:]) / 20 < sum(losses[:20]) / 20 - 0.2   # it learns


@pytest.mark.slow
def test_same_seed_gives_the_same_output_twice(exact_runs):
    assert exact_runs[0] == exact_runs[1]


def test_temperature_and_num_samples(capsys, names_path):
    code, lines, _ = run(capsys, ["--num_steps", "2", "--num_samples", "3", "--temperature",
                                  "0.5", "--data", str(names_path)])
    assert code == 0
    assert [line.split(":")[0] for line in lines[-3:]] == ["sample 0", "sample 1", "sample 2"]


def test_save_writes_a_loadable_checkpoint(capsys, names_path, tmp_path):
    from microgpt.checkpoint import load_checkpoint
    path = tmp_path / "ckpt" / "m.json"
    code, lines, _ = run(capsys, ["--num_steps", "3", "--num_samples", "0", "--save", str(path),
                                  "--data", str(names_path)])
    assert code == 0 and lines[-1] == f"saved checkpoint to {path}"
    ck = load_checkpoint(path)
    assert ck.model.num_params == 3648 and ck.meta["command"]["num_steps"] == 3


BAD_FLAGS = [
    (["--n_embd", "0"], "--n_embd must be at least 1"),
    (["--n_embd", "-3"], "--n_embd must be at least 1"),
    (["--n_layer", "0"], "--n_layer must be at least 1"),
    (["--n_head", "0"], "--n_head must be at least 1"),
    (["--num_steps", "0"], "--num_steps must be at least 1"),
    (["--n_embd", "15"], "divisible by n_head"),
    (["--block_size", "1"], "--block_size must be at least 2"),
    (["--n_embd", "x"], "whole number"),
    (["--learning_rate", "0"], "positive finite"),
    (["--learning_rate", "-0.1"], "positive finite"),
    (["--learning_rate", "nan"], "positive finite"),
    (["--learning_rate", "inf"], "positive finite"),
    (["--learning_rate", "fast"], "must be a number"),
    (["--temperature", "0"], "positive finite"),
    (["--temperature", "-1"], "positive finite"),
    (["--num_samples", "-1"], "at least 0"),
    (["--no_such_flag"], "unrecognized arguments"),
]


@pytest.mark.parametrize("argv,msg", BAD_FLAGS, ids=[" ".join(a) for a, _ in BAD_FLAGS])
def test_bad_flags_give_one_line_and_exit_2(capsys, argv, msg, names_path):
    code, out, err = run(capsys, argv + ["--data", str(names_path)])
    assert code == 2
    assert out == []
    assert err.count("\n") == 1 and err.startswith("error: ") and msg in err
    assert "Traceback" not in err


def bad_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("zoë\nanna\n".encode("latin-1"))
    return [
        (tmp_path / "missing.txt", "no data file"),
        (empty, "is empty"),
        (latin, "not UTF-8"),
        (tmp_path, "is a folder"),
    ]


def test_bad_data_files_give_one_line_and_exit_2(capsys, tmp_path):
    for path, msg in bad_files(tmp_path):
        code, out, err = run(capsys, ["--num_steps", "1", "--data", str(path)])
        assert code == 2, path
        assert err.count("\n") == 1 and msg in err, err


@pytest.mark.parametrize("argv,msg", [(["--n_head", "3"], "divisible by n_head"),
                                      (["--data", "/nonexistent/names.txt"], "no data file")])
def test_real_process_prints_no_traceback(argv, msg, names_path):
    extra = [] if "--data" in argv else ["--data", str(names_path)]
    proc = subprocess.run([sys.executable, "-m", "microgpt", *argv, *extra],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and msg in proc.stderr and "Traceback" not in proc.stderr


def test_save_into_an_impossible_place_is_one_line(capsys, names_path, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(capsys, ["--num_steps", "1", "--num_samples", "0", "--data",
                                  str(names_path), "--save", str(blocker / "m.json")])
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ")
    assert blocker.read_text() == "x"


def test_python_m_microgpt_data_reports_the_dataset(names_path):
    import os
    env = {**os.environ, "MICROGPT_DATA": str(names_path)}
    proc = subprocess.run([sys.executable, "-m", "microgpt.data"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("names: 32033 documents in ")
