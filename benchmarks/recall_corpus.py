"""The recall corpus (``benchmarks/recall/``): its fixed vocabulary, its labels, its projects.

Kept apart from ``recall.py`` (which runs nnlint and reports) so that
``tests/test_recall_corpus.py`` can check the corpus's shape without running anything.
Standard library only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

CORPUS = Path(__file__).resolve().parent / "recall"

#: How the value or object the bug is about reaches the place where it does harm.
#: A label names one or more of these (comma-separated); nothing else is accepted.
CONSTRUCTS: Dict[str, str] = {
    "local-variable": "plain local variables in one function or at module level (the control)",
    "self-attribute": "model / loader / optimizer / loss kept in self and used in another method",
    "dataclass-config": "the value is the default of a @dataclass config field",
    "argparse": "the value is an argparse default (args.lr)",
    "config-dict": "the value comes from a config dict literal (cfg['lr'])",
    "registry": "the class is picked from a registry dict or getattr(nn, name)",
    "cross-file": "the bug spans modules: built or defined in one file, used in another",
    "helper-function": "the bug is in a helper function called from the training loop",
    "kwargs-unpack": "arguments arrive through **kwargs (DataLoader(ds, **train_kwargs))",
    "tuple-return": "the object is returned inside a tuple from a helper and unpacked",
    "wrapped-iterator": "the loader is iterated through tqdm / enumerate / zip",
    "mode-flag": "train/eval chosen by a flag: model.train(is_train), set_grad_enabled(is_train)",
    "list-concat": "a container grown by self.x = self.x + [...] or in a loop",
    "method-mutation": "a layer is replaced inside a method of the model class",
    "ddp-wrapped": "the model is wrapped in DistributedDataParallel / uses DistributedSampler",
    "nn-sequential": "the layers sit inside nn.Sequential built elsewhere",
    "functional": "torch.nn.functional calls instead of modules",
    "notebook": "a flat notebook-style script (cells, globals, no functions)",
    "lightning-hook": "the code sits in a hook that Lightning calls (training_step, validation_step, configure_optimizers, a callback)",
    "accelerate-api": "the object goes through accelerate: accelerator.prepare(...), accelerator.backward, accumulate(), clip_grad_norm_",
    "hf-api": "the value is set through a Hugging Face API: TrainingArguments, a tokenizer or collator, a schedule factory, from_pretrained",
}

#: The style a whole project is written in (``style`` in project.toml).
STYLES: Dict[str, str] = {
    "plain-local": "one script, local variables (the control)",
    "trainer-class": "a Trainer class holding model/loader/optimizer, a _run_batch method",
    "dataclass-config": "a @dataclass config with defaults",
    "argparse": "command-line options with argparse",
    "config-dict": "a config dict",
    "registry": "classes picked by name from a registry",
    "split-modules": "engine.py / model.py / data.py / train.py",
    "ddp": "DistributedDataParallel training",
    "notebook": "a flat notebook-style script",
    "real-seeded": "a copy of real training code with a bug seeded",
    "lightning": "a LightningModule: training_step / validation_step / configure_optimizers, run by a Lightning Trainer",
    "accelerate": "an accelerate training loop (Accelerator, prepare, accelerator.backward)",
    "hf-trainer": "a Hugging Face Trainer / TrainingArguments script, or an HF model in a custom loop",
    "hand-accumulation": "a hand-written gradient-accumulation loop (step every k micro-batches)",
}

LABEL = re.compile(r"#\s*expect:\s*(?P<code>[A-Z]{2}\d{3})\s+construct=(?P<constructs>[a-z0-9,-]+)")
LABEL_START = re.compile(r"#\s*expect\b")


class CorpusError(Exception):
    """The corpus itself is malformed: shown as one line, exit code 2."""


@dataclass(frozen=True)
class Label:
    """A seeded bug: the finding of ``code`` that must land on ``file:line`` of buggy/."""

    project: str
    file: str  # relative to the project's buggy/ folder, with /
    line: int  # 1-based
    code: str
    constructs: Tuple[str, ...]


@dataclass(frozen=True)
class Project:
    """One folder of the corpus: buggy/, fixed/ and the style its project.toml names."""

    name: str
    path: Path
    style: str
    about: str


# --- reading the corpus ---------------------------------------------------------------


def python_files(root: Path) -> List[Path]:
    """The .py files under ``root``, in a fixed order (reports and tests are stable)."""
    return sorted(p for p in root.rglob("*.py") if p.is_file())


def parse_labels(project: str, root: Path) -> List[Label]:
    """Every ``# expect:`` label under ``root``; a malformed one is a CorpusError."""
    labels = []
    for path in python_files(root):
        rel = path.relative_to(root).as_posix()
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not LABEL_START.search(text):
                continue
            found = list(LABEL.finditer(text))
            if len(found) != len(LABEL_START.findall(text)):
                raise CorpusError(f"{path}:{number}: malformed label (want '# expect: NN123 construct=a,b')")
            for match in found:
                constructs = tuple(match["constructs"].split(","))
                unknown = [c for c in constructs if c not in CONSTRUCTS]
                if unknown:
                    raise CorpusError(f"{path}:{number}: unknown construct {', '.join(unknown)}")
                labels.append(Label(project, rel, number, match["code"], constructs))
    return labels


def load_project(path: Path) -> Project:
    """Read one project's manifest; a missing style or twin folder is a CorpusError."""
    manifest = path / "project.toml"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"{manifest}: {exc}") from None
    style = data.get("style")
    if style not in STYLES:
        raise CorpusError(f"{manifest}: style must be one of {', '.join(STYLES)}, not {style!r}")
    for twin in ("buggy", "fixed"):
        if not (path / twin).is_dir():
            raise CorpusError(f"{path}: has no {twin}/ folder")
    return Project(path.name, path, style, str(data.get("about", "")))


def load_corpus(root: Path = CORPUS) -> List[Project]:
    return [load_project(p) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
