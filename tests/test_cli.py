"""The command line: the seed's transcript line for line, exact mode, determinism, bad input;
a finished run is never lost (issues 13, 20: each case through a real process)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from microgpt.__main__ import build_parser, main
from microgpt.checkpoint import load_checkpoint

from conftest import ROOT, as_another_user, cli, failed_before_training, one_error_line

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
    assert lines[:2] == SEED_TRANSCRIPT[:2]              # same data, same init, same first loss
    assert lines[2] == f"{SEED_TRANSCRIPT[2]} | mean of last 1: 3.3325"   # + the mean column
    steps = [line for line in lines if line.startswith("step ")]
    assert len(steps) == 100
    assert steps != SEED_TRANSCRIPT[2:102]
    losses = [float(line.split("| loss ")[1].split()[0]) for line in steps]
    assert sum(losses[-20:]) / 20 < sum(losses[:20]) / 20 - 0.2   # it learns


@pytest.mark.slow
def test_same_seed_gives_the_same_output_twice(exact_runs):
    assert exact_runs[0] == exact_runs[1]


@pytest.mark.slow
def test_the_readme_shows_the_exact_runs_first_and_last_step_lines(exact_runs):
    readme = (ROOT / "README.md").read_text()
    assert f"\n{exact_runs[0][2]}\n…\n{exact_runs[0][101]}\n" in readme


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
    assert code == 0 and lines[-3:] == [f"saved checkpoint to {path}", "", "--- generation ---"]
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


# ================================================================ output and flags (issue 22)

def test_help_shows_every_flag_with_its_help_and_default():
    text = build_parser().format_help()
    for action in build_parser()._actions:
        if action.dest == "help":
            continue
        assert action.help, action.dest
        flag = action.option_strings[0]
        assert flag.startswith("--") and "-" not in flag[2:], flag     # one style: underscores
        if action.default not in (None, False):
            assert f"{action.help.split(' (default')[0][:20]}" in " ".join(text.split())
            assert f"(default: {action.default})" in " ".join(text.split()), flag
    for flag in ("--learning_rate", "--temperature", "--num_samples", "--force"):
        assert flag in text


def test_the_old_legacy_backward_spelling_still_works(capsys, names_path):
    for flag in ("--legacy_backward", "--legacy-backward"):
        code, lines, _ = run(capsys, ["--num_steps", "3", "--num_samples", "0", flag,
                                      "--data", str(names_path)])
        assert code == 0 and lines[2] == SEED_TRANSCRIPT[2].replace("/ 100", "/ 3")
        assert all(re.fullmatch(r"step \d / 3 \| loss \d\.\d{4}", line) for line in lines[2:5])


def test_step_lines_show_the_mean_of_the_last_20_losses(capsys, names_path):
    code, lines, _ = run(capsys, ["--num_steps", "25", "--num_samples", "0",
                                  "--data", str(names_path)])
    steps = [line for line in lines if line.startswith("step ")]
    losses = [float(line.split("| loss ")[1].split()[0]) for line in steps]
    means = [float(line.split(": ")[1]) for line in steps]
    assert steps[0].startswith("step 1 / 25 | loss 3.3325 | mean of last 1: ")
    assert steps[-1].startswith("step 25 / 25 | loss ") and "| mean of last 20: " in steps[-1]
    assert means[-1] == pytest.approx(sum(losses[-20:]) / 20, abs=1e-3)   # 4-digit losses


# ================================================================ work is never lost

FAST = ["--n_embd", "8", "--n_head", "2", "--num_samples", "0"]
NEVER_ENDS = ["--num_steps", "100000000"]      # if a check came after training: a timeout


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


def test_a_read_only_file_is_not_replaced_without_saying_so(names_path, tmp_path):
    ro = tmp_path / "frozen.json"
    ro.write_text("precious")
    ro.chmod(0o444)
    line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path, "--save", ro))
    assert line.startswith(f"error: cannot save to {ro}: the file is read-only; make it "
                           f"writable (chmod u+w {ro}) or delete it")
    assert ro.read_text() == "precious"


def test_a_good_save_still_works_and_replaces_a_checkpoint(names_path, tmp_path):
    path = tmp_path / "m.json"
    for steps in ("2", "3"):
        proc = cli(*FAST, "--num_steps", steps, "--data", names_path, "--save", path)
        assert proc.returncode == 0 and f"saved checkpoint to {path}" in proc.stdout
    assert load_checkpoint(path).meta["command"]["num_steps"] == 3


def test_a_trailing_slash_is_refused_before_training(names_path, tmp_path):
    typed = f"{tmp_path / 'newfolder'}/"
    line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path,
                                      "--save", typed))
    assert line == (f"error: cannot save to {typed}: a path ending in / names a folder; give a "
                    f"file name, e.g. {tmp_path / 'newfolder' / 'model.json'}")
    assert list(tmp_path.iterdir()) == []


def test_a_250_character_name_is_saved(names_path, tmp_path):
    path = tmp_path / ("n" * 245 + ".json")
    proc = cli(*FAST, "--num_steps", "1", "--data", names_path, "--save", path)
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_save_onto_the_data_file_is_refused_even_with_force(names_path, tmp_path):
    data = tmp_path / "mynames.txt"
    shutil.copy(names_path, data)
    data.chmod(0o644)
    for extra in ([], ["--force"]):
        line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", data,
                                          "--save", data, *extra))
        assert line in (f"error: cannot save to {data}: it is the data file this run trains "
                        "on; give another path",
                        f"error: cannot save to {data}: it is a file that is not a microgpt "
                        "checkpoint, and saving would replace it; give another path, or add "
                        "--force to replace it")
    assert data.read_bytes() == names_path.read_bytes()
    line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--save", data, "--force",
                                      env={"MICROGPT_DATA": str(data)}))
    assert "it is the data file this run trains on" in line


def test_a_file_that_is_not_a_checkpoint_is_replaced_only_with_force(names_path, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    line = failed_before_training(cli(*FAST, *NEVER_ENDS, "--data", names_path,
                                      "--save", notes))
    assert line == (f"error: cannot save to {notes}: it is a file that is not a microgpt "
                    "checkpoint, and saving would replace it; give another path, or add "
                    "--force to replace it")
    assert notes.read_text() == "my notes"
    proc = cli(*FAST, "--num_steps", "1", "--data", names_path, "--save", notes, "--force")
    assert proc.returncode == 0 and load_checkpoint(notes).model.config.n_embd == 8


def test_the_checkpoint_is_written_before_the_samples_are_printed(names_path, tmp_path):
    path = tmp_path / "m.json"
    proc = cli("--n_embd", "8", "--n_head", "2", "--num_steps", "2", "--num_samples", "2",
               "--data", names_path, "--save", path)
    lines = proc.stdout.splitlines()
    assert lines[-5:-1] == [f"saved checkpoint to {path}", "", "--- generation ---",
                            lines[-2]] and lines[-1].startswith("sample 1: ")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_stdout_loses_nothing_and_says_it_is_the_output(names_path, tmp_path):
    path = tmp_path / "m.json"
    with open("/dev/full", "w") as full:
        proc = cli(*FAST, "--num_steps", "3", "--num_samples", "2", "--data", names_path,
                   "--save", path, stdout=full, capture_output=False, stderr=subprocess.PIPE)
    line = one_error_line(proc, code=1)
    assert line == ("error: the output could not be written (No space left on device); the run "
                    f"finished and its checkpoint was saved to {path}")
    assert load_checkpoint(path).meta["command"]["num_steps"] == 3
    with open("/dev/full", "w") as full:                      # no --save: stops at once
        proc = cli(*FAST, *NEVER_ENDS, "--data", names_path, stdout=full, capture_output=False,
                   stderr=subprocess.PIPE)
    assert one_error_line(proc, code=1).startswith("error: the output could not be written (No "
                                                   "space left on device); the run was stopped")


def test_a_closed_pipe_loses_nothing(names_path, tmp_path):
    """`python -m microgpt ... | head -1`: the pipe closes after the first line."""
    path = tmp_path / "m.json"
    proc = subprocess.Popen([sys.executable, "-m", "microgpt", *FAST, "--num_steps", "200",
                             "--data", str(names_path), "--save", str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("vocab size: ")
    proc.stdout.close()                                       # what head does after a line
    err = proc.stderr.read()
    assert proc.wait(timeout=600) == 1
    assert err == ("error: the output was closed (a pipe such as | head ended); the run "
                   f"finished and its checkpoint was saved to {path}\n")
    assert load_checkpoint(path).meta["command"]["num_steps"] == 200


def test_a_stdout_that_cannot_encode_a_name_loses_nothing(tmp_path):
    data = tmp_path / "names.txt"
    data.write_text("анна\nборис\nзоя\n", encoding="utf-8")
    path = tmp_path / "m.json"
    proc = cli(*FAST, "--num_steps", "5", "--num_samples", "3", "--data", data,
               "--save", path, env={"PYTHONIOENCODING": "cp1252"})
    line = one_error_line(proc, code=1)
    assert line.startswith("error: the output cannot show '\\u04") and line.endswith(
        f"(its encoding is cp1252); set PYTHONIOENCODING=utf-8; the run finished and its "
        f"checkpoint was saved to {path}")
    assert proc.stdout.endswith("--- generation ---\n")
    assert load_checkpoint(path).tokenizer.chars == list("абзинорся")


def test_sigterm_stops_like_ctrl_c_with_one_line_and_no_file(names_path, tmp_path):
    path = tmp_path / "m.json"
    proc = subprocess.Popen([sys.executable, "-m", "microgpt", *FAST, *NEVER_ENDS,
                             "--data", str(names_path), "--save", str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not proc.stdout.readline().startswith("step "):    # wait for training, not a time
        assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 143
    assert err == "error: terminated (SIGTERM); nothing was saved\n"
    assert list(tmp_path.iterdir()) == []


# ================================================================ no tracebacks

def test_a_tiny_temperature_is_greedy_in_the_cli(names_path):
    proc = cli("--n_embd", "8", "--n_head", "2", "--num_steps", "20", "--num_samples", "3",
               "--temperature", "1e-310", "--data", names_path)
    assert proc.returncode == 0 and proc.stderr == ""
    samples = [line.split(": ", 1)[1] for line in proc.stdout.splitlines()
               if line.startswith("sample ")]
    assert len(samples) == 3 and len(set(samples)) == 1       # greedy: the same name


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


def test_finite_but_huge_weights_are_a_diverged_run_and_nothing_is_lost(names_path, tmp_path):
    save = tmp_path / "m.json"
    proc = cli(*FAST, "--learning_rate", "1e300", "--num_steps", "1", "--num_samples", "3",
               "--data", names_path, "--save", save)
    line = one_error_line(proc)
    assert line.startswith("error: training diverged at step 1 of 1")
    assert "Total of weights" not in proc.stderr and not save.exists()


@pytest.mark.parametrize("flag", ["--n_layer", "--n_embd"])
def test_a_model_too_big_is_refused_up_front_in_the_cli(names_path, flag):
    line = failed_before_training(cli(flag, "100000", "--n_head", "1", "--data", names_path,
                                      memory_mb=1000))
    assert "parameters; the limit is 10,000,000" in line
    assert "make n_embd, n_layer or block_size smaller" in line
