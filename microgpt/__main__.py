"""The command line: `python -m microgpt`, the seed's demo and a little more.

Owns: argument parsing and validation, the seed's output format, and turning every user
mistake into a one-line `error: ...` message with exit status 2 (never a traceback). Whatever
can be checked before training is: the sizes (a model too big for this process is refused
with the estimate and the limit), the `--save` path (a path that cannot be written fails in
a second, not after the run) and the data. Training that diverges stops at its first
non-finite loss, with the step and what to change.

Imports: training, sample, data, tokenizer, model, checkpoint, limits, validate.
"""
import argparse
import random
import sys

from .checkpoint import save_checkpoint
from .data import load_names
from .limits import check_params, check_save_path, check_training
from .model import GPT, GPTConfig
from .sample import generate
from .tokenizer import CharTokenizer
from .training import train
from .validate import arg_type, positive_number, whole_number


class UsageError(Exception):
    pass


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
    p.add_argument("--n_embd", type=_whole("--n_embd", 1), default=16, help="embedding width")
    p.add_argument("--n_layer", type=_whole("--n_layer", 1), default=1,
                   help="transformer blocks")
    p.add_argument("--n_head", type=_whole("--n_head", 1), default=4, help="attention heads")
    p.add_argument("--block_size", type=_whole("--block_size", 2), default=8,
                   help="longest token list (with <BOS> and <EOS>)")
    p.add_argument("--num_steps", type=_whole("--num_steps", 1), default=100,
                   help="training steps, one document each")
    p.add_argument("--learning_rate", type=_positive("--learning_rate"), default=0.01)
    p.add_argument("--seed", type=int, default=42, help="seed of the one random stream")
    p.add_argument("--legacy-backward", dest="legacy_backward", action="store_true",
                   help="the seed's gradients (backward once per position): reproduces its demo")
    p.add_argument("--data", metavar="PATH", default=None,
                   help="names file (default: $MICROGPT_DATA, data/names.txt, else download)")
    p.add_argument("--temperature", type=_positive("--temperature"), default=1.0)
    p.add_argument("--num_samples", type=_whole("--num_samples", 0), default=5)
    p.add_argument("--save", metavar="PATH", default=None, help="write a checkpoint (JSON) here")
    return p


def run(args, out=print):
    # the shape and the parameter cap before reading any data (the smallest vocabulary: 3)
    check_params(GPTConfig(vocab_size=3, n_embd=args.n_embd, n_layer=args.n_layer,
                           n_head=args.n_head, block_size=args.block_size))
    if args.save is not None:
        check_save_path(args.save)          # now, not after the whole run
    rng = random.Random(args.seed)
    docs = load_names(args.data)
    rng.shuffle(docs)
    tok = CharTokenizer(docs)
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=args.n_embd, n_layer=args.n_layer,
                    n_head=args.n_head, block_size=args.block_size)
    check_training(cfg, docs)                               # before any output
    out(f"vocab size: {tok.vocab_size}, num docs: {len(docs)}")
    model = GPT(cfg, rng)
    out(f"num params: {model.num_params}")

    def report(step, num_steps, loss):
        out(f"step {step} / {num_steps} | loss {loss:.4f}")

    losses = train(model, docs, tok, args.num_steps, args.learning_rate,
                   legacy_backward=args.legacy_backward, callback=report)
    out("\n--- generation ---")
    for i in range(args.num_samples):
        out(f"sample {i}: {generate(model, tok, rng, args.temperature)}")
    if args.save is not None:
        meta = {"command": vars(args), "final_loss": losses[-1]}
        out(f"saved checkpoint to {save_checkpoint(args.save, model, tok, meta)}")


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
        run(args, out=lambda s: print(s, flush=True))
    except (UsageError, ValueError) as e:   # DataError, CheckpointError, config errors
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:                    # e.g. --save into a folder that cannot be written
        print(f"error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
