"""Functions as values: closures, lambdas, and the calls that reach them through a parameter."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.values import UNKNOWN, Instance, Kind, LambdaRef, Tensor
from tests.analysis.harness import module, project, value_at


def _qualname(value: object) -> str | None:
    return value.qualname if isinstance(value, Instance) else None


def test_a_nested_function_sees_the_names_bound_once_around_it() -> None:
    source = """
        import torch.nn as nn
        ce = nn.NLLLoss()
        def make_criterion():
            ce = nn.CrossEntropyLoss()
            scale = 1.0
            scale = 2.0
            def criterion(logits, targets):
                print(ce, scale)  # <-
            return criterion
    """
    assert _qualname(value_at(source, "ce")) == "torch.nn.CrossEntropyLoss"
    assert value_at(source, "scale") is UNKNOWN


def test_a_returned_closure_called_through_a_parameter_in_another_file(tmp_path: Path) -> None:
    info = project(tmp_path, {
        "losses.py": """
            import torch.nn as nn
            def make_criterion():
                ce = nn.CrossEntropyLoss()
                def criterion(logits, targets):
                    print(logits)  # <-
                return criterion
        """,
        "engine.py": """
            def train(model, loader, loss_fn):
                for x, y in loader:
                    loss_fn(model(x), y).backward()
        """,
        "train.py": """
            import torch.nn as nn
            from engine import train
            from losses import make_criterion
            train(nn.Linear(4, 3), loader, loss_fn=make_criterion())
        """,
    }, "losses.py")
    found = value_at(info, "logits")
    assert isinstance(found, Tensor) and found.kind is Kind.LOGITS


def test_a_lambda_is_a_value_that_calls_return_its_body() -> None:
    source = """
        import torch.nn.functional as F
        import torch.nn as nn
        loss_fn = lambda out, y: F.softmax(out, dim=1)
        head = nn.Linear(4, 3)
        probs = loss_fn(head(x), y)
        print(probs)  # <-
    """
    assert isinstance(value_at(source, "loss_fn"), LambdaRef)
    probs = value_at(source, "probs")
    assert isinstance(probs, Tensor) and probs.kind is Kind.PROBS


def test_a_lambdas_parameters_take_what_its_calls_pass() -> None:
    info = module("""
        import torch.nn as nn
        def fit(model, loss_fn):
            return loss_fn(model(x), y)
        fit(nn.Linear(4, 3), lambda logits, targets: logits.sum())
    """)
    interpreter = interpreter_for(info)
    call = info.module.body[-1]
    assert isinstance(call, cst.SimpleStatementLine) and isinstance(call.body[0], cst.Expr)
    lam = call.body[0].value.args[1].value  # type: ignore[attr-defined]
    env = interpreter.lambda_env(lam, interpreter.env_before(call, info.module))
    logits = env.names["logits"]
    assert isinstance(logits, Tensor) and logits.kind is Kind.LOGITS
    assert env.names["targets"] is UNKNOWN
