"""JSON-RPC as the editor expects it: every request answered, nothing a client sends shown as a server error.

pygls leaves three holes, each of which an editor shows to the user:
- a request whose params do not deserialize is never answered (the editor
  waits for ever); here it is answered ``-32602 InvalidParams`` with one line,
  which is also all the server's log says (not pygls's traceback);
- a notification with such params pops "Error in server"; here it is logged
  and dropped, as the protocol allows for notifications;
- ``didChange`` for a document that was never opened raises ``KeyError``
  (also "Error in server"); here it is ignored: there is no text to change.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cattrs import transform_error
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument, Workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Refused:
    """A request or notification whose params did not deserialize, on its way from ``structure_message`` to ``handle_message``."""

    id: int | str | None
    method: str
    reason: str
    jsonrpc: str = "2.0"


class _DeserializingTraceback(logging.Filter):
    """pygls logs a traceback for each message it cannot deserialize; ``handle_message`` logs one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Unable to deserialize message")


class NnlintProtocol(LanguageServerProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        logging.getLogger("pygls.protocol.json_rpc").addFilter(_DeserializingTraceback())

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcInvalidParams as error:
            method = data.get("method")
            if not isinstance(method, str):
                raise  # a malformed response to one of our own requests: pygls's logging is all there is to do
            return _Refused(data.get("id"), method, f"invalid params for {method}: {_first_problem(error)}")

    def handle_message(self, message: Any) -> None:
        if not isinstance(message, _Refused):
            super().handle_message(message)
            return
        logger.warning("%s", message.reason)
        if message.id is not None:
            self._send_response(message.id, error=JsonRpcInvalidParams(message.reason).to_response_error())

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        if open_text_document(self.workspace, params.text_document.uri) is None:
            logger.warning("ignoring a change of %s, which is not open", params.text_document.uri)
            return
        yield from super().lsp_text_document__did_change(params)


def open_text_document(workspace: Workspace, uri: str) -> TextDocument | None:
    """The document the editor opened as ``uri``; None if it is not open (pygls's ``get_text_document`` would read the disk)."""
    return workspace.text_documents.get(unquote(uri))  # pygls keys open documents by the unquoted URI


def _first_problem(error: JsonRpcInvalidParams) -> str:
    """One line out of cattrs's tree of validation errors (the exception pygls chains)."""
    cause = error.__cause__
    if cause is None:
        return error.message
    try:
        problems = transform_error(cause)
    except Exception:  # noqa: BLE001 - a description of an error must not raise one
        problems = []
    return (problems[0] if problems else str(cause)).splitlines()[0]
