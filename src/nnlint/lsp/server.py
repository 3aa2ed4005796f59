"""The pygls wiring: document sync, debounced checks, publishing diagnostics, code actions.

A change is checked after ``DEBOUNCE_SECONDS`` without another change; open
and save are checked at once. Checks run in one worker thread: LibCST parsing
is CPU work the event loop must not wait on, and one thread keeps the engine
single-threaded. A result is published only while the document is still at the
version that was checked, so a slow check never overwrites a newer one.

Sync is "full" (the client sends the whole text on each change): pygls's
incremental sync splits lines with ``str.splitlines``, which also breaks at form
feeds and other characters Python does not count as line breaks, and would
corrupt such documents.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.lsp.server import LanguageServer

from nnlint import __version__
from nnlint.lsp.actions import FIX_ALL_KIND, code_actions
from nnlint.lsp.documents import CheckedDocument, DocumentChecker
from nnlint.lsp.units import UTF16, lsp_diagnostic
from nnlint.reporters.positions import SourceLines

DEBOUNCE_SECONDS = 0.3
PYTHON_SUFFIXES = (".py", ".pyi")
CONFIG_NAME = "pyproject.toml"
_CONVERTER = get_converter()


class NnlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("nnlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.checker = DocumentChecker()
        self.checked: dict[str, CheckedDocument] = {}  # uri -> the latest published check
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnlint-check")
        self._shown_errors: set[str] = set()  # each error is shown once, not at every keystroke

    @property
    def encoding(self) -> str:
        """The negotiated position encoding (``utf-8``, ``utf-16`` or ``utf-32``)."""
        chosen = self.workspace.position_encoding
        return str(getattr(chosen, "value", chosen) or UTF16)

    def is_python(self, uri: str) -> bool:
        document = self.workspace.get_text_document(uri)
        return document.language_id == "python" or uri.endswith(PYTHON_SUFFIXES)

    def schedule(self, uri: str, delay: float) -> None:
        """Check ``uri`` after ``delay`` seconds, replacing a check already waiting for it."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._pending[uri] = asyncio.ensure_future(self._check_and_publish(uri, delay))

    def forget(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.checked.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def current(self, uri: str) -> CheckedDocument:
        """The check of the document's current text: the published one, or a new one if the text moved on."""
        document = self.workspace.get_text_document(uri)
        checked = self.checked.get(uri)
        if checked is None or checked.version != document.version or checked.text != document.source:
            checked = await self._check(uri)
        return checked

    async def _check(self, uri: str) -> CheckedDocument:
        document = self.workspace.get_text_document(uri)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.checker.check, uri, document.source, document.version)

    async def _check_and_publish(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        checked = await self._check(uri)
        if uri not in self.workspace.text_documents or self.workspace.get_text_document(uri).version != checked.version:
            return  # closed or changed meanwhile: that event scheduled its own check
        self.checked[uri] = checked
        self._publish(checked)

    def _publish(self, checked: CheckedDocument) -> None:
        """Say why the document was not (fully) checked, then publish what was found."""
        for error in checked.errors:
            if error not in self._shown_errors:
                self._shown_errors.add(error)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"nnlint: {error}"))
        lines = SourceLines(checked.text)
        shown = [_CONVERTER.structure(lsp_diagnostic(d, lines, self.encoding), types.Diagnostic) for d in checked.diagnostics]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=checked.uri, diagnostics=shown, version=checked.version))


def create_server() -> NnlintServer:
    server = NnlintServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: NnlintServer, params: types.InitializedParams) -> None:
        root = ls.workspace.root_path
        ls.checker.workspace_root = Path(root) if root else None

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NnlintServer, params: types.DidOpenTextDocumentParams) -> None:
        if ls.is_python(params.text_document.uri):
            ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NnlintServer, params: types.DidChangeTextDocumentParams) -> None:
        if ls.is_python(params.text_document.uri):
            ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: NnlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("/" + CONFIG_NAME):  # new settings: every open script is checked again
            for open_uri in list(ls.workspace.text_documents):
                if ls.is_python(open_uri):
                    ls.schedule(open_uri, 0)
        elif ls.is_python(uri):
            ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NnlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False),
    )
    async def code_action(ls: NnlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        if not ls.is_python(uri):
            return []
        capabilities = ls.client_capabilities.workspace
        versioned = bool(capabilities and capabilities.workspace_edit and capabilities.workspace_edit.document_changes)
        only = [str(getattr(kind, "value", kind)) for kind in params.context.only] if params.context.only else None
        return code_actions(await ls.current(uri), params.range, ls.encoding, only=only, versioned=versioned)

    return server


def serve() -> None:
    """Run the server on standard input/output until the client says exit."""
    create_server().start_io()
