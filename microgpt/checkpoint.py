"""Save and load a trained model as one JSON file: config, vocabulary, weights, notes.

Owns: the checkpoint format (`FORMAT`, version 1), `save_checkpoint` (written atomically:
a crash never leaves half a file, and never destroys the previous one), `load_checkpoint`
(a round trip is bit-exact: JSON keeps every float's shortest repr) and `CheckpointError`
for files that are missing, corrupt, or made for another vocabulary.

Imports: model, tokenizer, data (for its atomic write).
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from .data import write_atomic
from .model import GPT, GPTConfig
from .tokenizer import CharTokenizer

FORMAT, VERSION = "microgpt-checkpoint", 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with a message that says why."""


@dataclass
class Checkpoint:
    model: GPT
    tokenizer: CharTokenizer
    meta: dict = field(default_factory=dict)


def save_checkpoint(path, model, tokenizer, meta=None):
    """Write model + tokenizer (+ a dict of JSON-able notes) to `path`; returns the path."""
    if tokenizer.vocab_size != model.config.vocab_size:
        raise CheckpointError(f"the tokenizer has {tokenizer.vocab_size} tokens but the model "
                              f"expects {model.config.vocab_size}")
    doc = {"format": FORMAT, "version": VERSION, "config": model.config.to_dict(),
           "vocab": tokenizer.itos, "meta": meta or {}, "weights": model.weights()}
    payload = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return write_atomic(path, payload)


def load_checkpoint(path, tokenizer=None):
    """A `Checkpoint(model, tokenizer, meta)` from `path`.

    tokenizer: if given, the checkpoint's vocabulary must equal its vocabulary.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint at {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"{path} is not a microgpt checkpoint (not valid JSON); "
                              "it may be truncated — save it again") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a microgpt checkpoint")
    if doc.get("version") != VERSION:
        raise CheckpointError(f"{path} has checkpoint version {doc.get('version')!r}; "
                              f"this microgpt reads version {VERSION}")
    try:
        cfg = GPTConfig(**doc["config"])
        tok = CharTokenizer.from_vocab(doc["vocab"])
        if tok.vocab_size != cfg.vocab_size:
            raise ValueError(f"vocabulary of {tok.vocab_size} tokens for a model of "
                             f"{cfg.vocab_size}")
        model = GPT.from_weights(cfg, doc["weights"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path} is a damaged checkpoint: {e}") from None
    if tokenizer is not None and tokenizer != tok:
        raise CheckpointError(f"{path} was made for another vocabulary "
                              f"({''.join(tok.chars)!r}, not {''.join(tokenizer.chars)!r})")
    return Checkpoint(model, tok, doc.get("meta") or {})
