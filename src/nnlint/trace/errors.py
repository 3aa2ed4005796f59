"""The one error the tracer lets escape: a clear, one-line reason it could not trace.

Everything that goes wrong because of the user's input (a bad target, a spec
that does not parse or does not fit the model, user code that raises) becomes a
``TraceUsageError`` whose message is printed as is; the CLI turns it into exit
status 2 and never shows a traceback.
"""

from __future__ import annotations


class TraceUsageError(Exception):
    """The model could not be loaded, built or traced; ``str(error)`` is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def describe_exception(error: BaseException, limit: int = 200) -> str:
    """``Type: first line of the message``, cut to ``limit`` characters: how the tracer quotes errors.

    ``SystemExit`` reads as the call that raised it: "SystemExit: 7" hides that
    the model's code tried to end the process (which would pass an untraced model).
    """
    if isinstance(error, SystemExit):
        code = "" if error.code is None else repr(error.code)
        return f"the model's code called sys.exit({code})"
    text = str(error).strip().splitlines()
    first = text[0].strip() if text else ""
    summary = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return summary if len(summary) <= limit else summary[: limit - 3] + "..."


class SpecMismatch(TraceUsageError):
    """The input spec does not fit the model: names the operation, where it is, and its input shapes."""

    def __init__(self, operation: str, location: str, shapes: list[list[int]], error: BaseException) -> None:
        at = f" at {location}" if location else ""
        given = ", ".join(str(shape) for shape in shapes) or "()"
        super().__init__(
            f"the input spec does not fit the model: {operation}{at} got inputs of shape {given}: "
            f"{describe_exception(error)}"
        )
