"""The code action kind of "fix all": the server advertises it, ``actions`` builds actions of it.

A leaf module, so that neither imports the other (``actions`` applies fixes with LibCST and is
loaded on the first request, never at the server's start).
"""

from lsprotocol import types

FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.nnlint"
