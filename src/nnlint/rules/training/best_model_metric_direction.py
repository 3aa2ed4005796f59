from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.containers import call_arguments
from nnlint.analysis.frameworks.facts import TRAINING_ARGUMENTS
from nnlint.analysis.frameworks.metric_names import Better, better
from nnlint.analysis.values import Constant
from nnlint.rule import Invalid, Rule, Valid


class BestModelMetricDirection(Rule):
    """`TrainingArguments` picks the best checkpoint by a metric in the wrong direction.

    ## What it does
    Reads `transformers.TrainingArguments(...)` (and `Seq2SeqTrainingArguments`)
    where both `metric_for_best_model` and `greater_is_better` are known —
    literals, or values from a config dict, dataclass or argparse default — and
    reports a `greater_is_better` that contradicts the metric's name: `True` for
    a loss, a perplexity or an error rate (`"eval_loss"`, `"wer"`), `False` for
    an accuracy, F1, BLEU or ROUGE score. Left out, `greater_is_better` follows
    the name (False for names ending in `loss`), which is never reported; a
    name nnlint cannot read (`"eval_score"`) is silent.

    ## Why is this bad?
    The Trainer keeps the checkpoint with the *best* value of the metric, and
    `load_best_model_at_end=True` restores it, and early stopping waits for it
    to improve. In the wrong direction the run keeps (and stops at) its worst
    checkpoint: the model you ship is the one with the highest loss or the
    lowest accuracy of the run (checklist item 21).

    ## Example
    ```python
    args = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True,
                             metric_for_best_model="eval_loss", greater_is_better=True)
    ```

    ## Use instead
    ```python
    args = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True,
                             metric_for_best_model="eval_loss", greater_is_better=False)
    ```
    """

    code = "NN438"
    name = "best-model-metric-direction"
    checklist = (21,)
    message = "greater_is_better={flag} but {metric!r} is a metric where {direction} is better: the Trainer keeps (and load_best_model_at_end restores) the worst checkpoint"
    help = "set greater_is_better to match the metric (False for losses and error rates), or leave it out"
    requires_text = ("greater_is_better",)

    valid = [
        Valid("""
            from transformers import TrainingArguments
            args = TrainingArguments("out", load_best_model_at_end=True, metric_for_best_model="eval_loss", greater_is_better=False)
        """, why="a loss, lower is better"),
        Valid("""
            from transformers import TrainingArguments
            args = TrainingArguments("out", load_best_model_at_end=True, metric_for_best_model="accuracy")
        """, why="greater_is_better left to its default, which follows the name"),
        Valid("""
            from transformers import TrainingArguments
            args = TrainingArguments("out", metric_for_best_model=cli.metric, greater_is_better=True)
        """, why="the metric is not known"),
        Valid("""
            from transformers import Seq2SeqTrainingArguments
            args = Seq2SeqTrainingArguments("out", metric_for_best_model="eval_score", greater_is_better=False)
        """, why="a name that says neither direction"),
    ]
    invalid = [
        Invalid("""
            from transformers import TrainingArguments
            args = TrainingArguments(
                "out",
                eval_strategy="epoch",
                save_strategy="epoch",
                load_best_model_at_end=True,
                metric_for_best_model="eval_loss",
                greater_is_better=True,
            )
        """, line=8),
        Invalid("""
            import transformers
            config = {"metric": "f1", "greater": False}
            args = transformers.TrainingArguments("out", metric_for_best_model=config["metric"], greater_is_better=config["greater"])
        """, line=3),
        Invalid("""
            from transformers import Seq2SeqTrainingArguments
            settings = dict(output_dir="out", metric_for_best_model="rouge2", greater_is_better=False)
            args = Seq2SeqTrainingArguments(**settings)
        """, line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualify(node.func) not in TRAINING_ARGUMENTS:
            return
        arguments = call_arguments(node, self.context.value).keywords
        metric, flag = arguments.get("metric_for_best_model"), arguments.get("greater_is_better")
        if not (isinstance(metric, Constant) and isinstance(metric.value, str) and isinstance(flag, Constant) and isinstance(flag.value, bool)):
            return
        direction = better(metric.value)
        if direction is None or (direction is Better.HIGHER) == flag.value:
            return
        keyword = syntax.keyword(node, "greater_is_better")
        where = flag.origin if flag.origin is not None else (keyword.value if keyword is not None else node)
        self.report(where, flag=flag.value, metric=metric.value, direction=direction.value)
