"""The command line: `python -m microgpt`, the seed's demo and a little more.

Owns: argument parsing and validation (`--help` shows every flag with its default; flags are
spelled with underscores, the old `--legacy-backward` still works), the seed's output format
(plus, unless `--legacy_backward` reproduces the seed's transcript exactly, the mean of the
last 20 losses on each step line, so that a falling loss reads as falling), and turning
every user mistake into a one-line `error: ...` message with exit status 2 (never a
traceback). Whatever can be checked before training is: the sizes (a model, a vocabulary or
a number of samples too big is refused with the estimate and the limit), the `--save` path
(a path that cannot be written fails in a second, not after; the data file and a file that
is not a checkpoint are not replaced, the latter unless `--force`) and the data. Training
that diverges stops at its first non-finite loss, with the step and what to change.

A finished run is never lost: the checkpoint is written before the samples are printed; an
output that fails (a pipe closed by `| head`, a full disk behind `> file`, a terminal that
cannot show a character) stops the printing, not the run, and gets its own one-line message
(exit status 1); SIGTERM is handled like Ctrl-C (one line, exit 143 or 130, no partial file).

Imports: training, sample, data, tokenizer, model, checkpoint, limits, validate.
"""
import argparse
import os
import random
import signal
import sys
import threading
from pathlib import Path

from .checkpoint import check_overwrite, save_checkpoint
from .data import find_names, load_names
from .limits import SaveError, check_params, check_samples, check_save_path, check_training
from .model import GPT, GPTConfig
from .sample import generate
from .tokenizer import CharTokenizer
from .training import train
from .validate import arg_type, positive_number, whole_number

MEAN_OF = 20            # the step lines' running mean: the last 20 losses


class UsageError(Exception):
    pass


class Terminated(Exception):
    """SIGTERM arrived (a `kill`, a closing session): stop as Ctrl-C stops."""


class OutputFailed(Exception):
    """Standard output cannot be written; the message says why."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):           # argparse would print the usage too: keep one line
        raise UsageError(f"{message} (see python -m microgpt --help)")


def _whole(name, low):
    return arg_type(whole_number, name, low=low)


def _positive(name):
    return arg_type(positive_number, name)


def build_parser():
    p = _Parser(prog="python -m microgpt",
                description="Train a tiny GPT on names and sample from it.")
    p.add_argument("--n_embd", type=_whole("--n_embd", 1), default=16,
                   help="embedding width (default: %(default)s)")
    p.add_argument("--n_layer", type=_whole("--n_layer", 1), default=1,
                   help="transformer blocks (default: %(default)s)")
    p.add_argument("--n_head", type=_whole("--n_head", 1), default=4,
                   help="attention heads (must divide n_embd) (default: %(default)s)")
    p.add_argument("--block_size", type=_whole("--block_size", 2), default=8,
                   help="longest token list (with <BOS> and <EOS>) (default: %(default)s)")
    p.add_argument("--num_steps", type=_whole("--num_steps", 1), default=100,
                   help="training steps, one document each (default: %(default)s)")
    p.add_argument("--learning_rate", type=_positive("--learning_rate"), default=0.01,
                   help="Adam's learning rate at step 1, decayed linearly to 0 "
                        "(default: %(default)s)")
    p.add_argument("--seed", type=int, default=42,
                   help="seed of the one random stream (default: %(default)s)")
    p.add_argument("--legacy_backward", "--legacy-backward", dest="legacy_backward",
                   action="store_true",
                   help="the seed's gradients (backward once per position): reproduces its "
                        "transcript line for line")
    p.add_argument("--data", metavar="PATH", default=None,
                   help="names file (default: $MICROGPT_DATA, data/names.txt, else download)")
    p.add_argument("--temperature", type=_positive("--temperature"), default=1.0,
                   help="sampling temperature: below 1 surer, above 1 wilder "
                        "(default: %(default)s)")
    p.add_argument("--num_samples", type=_whole("--num_samples", 0), default=5,
                   help="names to sample after training (default: %(default)s)")
    p.add_argument("--save", metavar="PATH", default=None,
                   help="write a checkpoint (JSON) here, before the samples are printed")
    p.add_argument("--force", action="store_true",
                   help="let --save replace a file that is not a microgpt checkpoint")
    return p


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


class Output:
    """print() for the run: after a first failure it prints nothing more and remembers why
    (`failure`); the run goes on if its checkpoint is to be saved, else stops."""

    def __init__(self, write, keep_going):
        self.write, self.keep_going, self.failure = write, keep_going, None

    def __call__(self, line):
        if self.failure is not None:
            return
        try:
            self.write(line)
        except UnicodeEncodeError as e:
            encoding = getattr(sys.stdout, "encoding", None) or e.encoding
            self.failure = (f"the output cannot show {ascii(e.object[e.start])} (its encoding "
                            f"is {encoding}); set PYTHONIOENCODING=utf-8")
        except BrokenPipeError:
            self.failure = "the output was closed (a pipe such as | head ended)"
        except OSError as e:
            self.failure = f"the output could not be written ({e.strerror or e})"
        if self.failure is not None and not self.keep_going:
            raise OutputFailed(self.failure)


def run(args, out=print, done=None):
    """Train, save (if asked), then sample, as the flags say. Returns the saved path or None
    (also put in the dict `done` as "saved" as soon as it is written)."""
    shape = GPTConfig(vocab_size=3, n_embd=args.n_embd, n_layer=args.n_layer,
                      n_head=args.n_head, block_size=args.block_size)
    check_params(shape)                     # before any data (the smallest vocabulary: 3)
    check_samples(shape, args.num_samples)
    if args.save is not None:               # now, not after the whole run
        check_save_path(args.save)
        check_overwrite(args.save, args.force, how="add --force")
    rng = random.Random(args.seed)
    docs = load_names(args.data)
    if args.save is not None and _same_file(args.save, find_names(args.data)):
        raise SaveError(f"cannot save to {args.save}: it is the data file this run trains on; "
                        "give another path")
    rng.shuffle(docs)
    tok = CharTokenizer(docs)
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=args.n_embd, n_layer=args.n_layer,
                    n_head=args.n_head, block_size=args.block_size)
    check_training(cfg, docs)                               # before any output
    out(f"vocab size: {tok.vocab_size}, num docs: {len(docs)}")
    model = GPT(cfg, rng)
    out(f"num params: {model.num_params}")
    seen = []

    def report(step, num_steps, loss):
        line = f"step {step} / {num_steps} | loss {loss:.4f}"
        if not args.legacy_backward:        # the seed's transcript has no such column
            seen.append(loss)
            recent = seen[-MEAN_OF:]
            line += f" | mean of last {len(recent)}: {sum(recent) / len(recent):.4f}"
        out(line)

    losses = train(model, docs, tok, args.num_steps, args.learning_rate,
                   legacy_backward=args.legacy_backward, callback=report)
    saved = None
    if args.save is not None:               # first: printing may fail, the run must not be lost
        meta = {"command": vars(args), "final_loss": losses[-1]}
        saved = save_checkpoint(args.save, model, tok, meta, force=args.force)
        if done is not None:
            done["saved"] = saved
        out(f"saved checkpoint to {saved}")
    out("\n--- generation ---")
    for i in range(args.num_samples):
        out(f"sample {i}: {generate(model, tok, rng, args.temperature)}")
    return saved


def _on_sigterm(signum, frame):
    raise Terminated


def _quiet_stdout():
    """After stdout failed: point fd 1 at /dev/null, so that Python's last flush at exit
    does not print a second, raw error (only for the real stdout of this process)."""
    try:
        if sys.stdout is sys.__stdout__:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _kept(done):
    saved = done.get("saved")
    return f"the checkpoint was saved to {saved}" if saved else "nothing was saved"


def main(argv=None):
    done, previous = {}, None
    if threading.current_thread() is threading.main_thread():
        try:
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError, AttributeError):     # no signals here (e.g. Pyodide)
            previous = None
    try:
        args = build_parser().parse_args(argv)
        out = Output(lambda s: print(s, flush=True), keep_going=args.save is not None)
        saved = run(args, out=out, done=done)
        if out.failure is not None:
            where = f"its checkpoint was saved to {saved}" if saved else "nothing was saved"
            print(f"error: {out.failure}; the run finished and {where}", file=sys.stderr)
            _quiet_stdout()
            return 1
    except OutputFailed as e:
        print(f"error: {e}; the run was stopped (nothing was saved: add --save PATH to keep "
              "a run whatever happens to the output)", file=sys.stderr)
        _quiet_stdout()
        return 1
    except (UsageError, ValueError) as e:   # DataError, CheckpointError, config errors
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:                    # e.g. --save onto a disk that is full
        print(f"error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"error: interrupted; {_kept(done)}", file=sys.stderr)
        return 130
    except Terminated:
        print(f"error: terminated (SIGTERM); {_kept(done)}", file=sys.stderr)
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
