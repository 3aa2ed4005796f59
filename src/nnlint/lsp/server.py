"""The pygls wiring: document sync, debounced checks, publishing diagnostics, code actions.

A change is checked after ``DEBOUNCE_SECONDS`` without another change; open
and save are checked at once. Checks run one at a time in the checking process
(``checking.py``), which caps their size, time and memory; a check waiting for
its turn reads the document's text only when the turn comes, so a burst of
edits during a long check costs one more check, of the latest text. A check
already running is never cancelled (that would cost a restart of the process);
its result is published only while the document is still at the version that
was checked, so a slow check never overwrites a newer one. A document whose
check a cap stopped shows one diagnostic that says which cap and how to raise it.

Sync is "full" (the client sends the whole text on each change): pygls's
incremental sync splits lines with ``str.splitlines``, which also breaks at form
feeds and other characters Python does not count as line breaks, and would
corrupt such documents. The server imports no LibCST: checking happens in the
other process, and code actions (which apply fixes) import it on first use.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.exceptions import JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from nnlint import __version__
from nnlint.lsp.checking import CheckingProcess, ServerLimits
from nnlint.lsp.kinds import FIX_ALL_KIND
from nnlint.lsp.messages import CheckedDocument, CheckRequest
from nnlint.lsp.protocol import NnlintProtocol, open_text_document
from nnlint.lsp.units import UTF16, lsp_diagnostic
from nnlint.reporters.positions import SourceLines

DEBOUNCE_SECONDS = 0.3
PYTHON_SUFFIXES = (".py", ".pyi")
CONFIG_NAME = "pyproject.toml"
_CONVERTER = get_converter()


class NnlintServer(LanguageServer):
    def __init__(self, limits: ServerLimits) -> None:
        super().__init__("nnlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full, protocol_cls=NnlintProtocol)
        self.checking = CheckingProcess(limits)
        self.workspace_root: Path | None = None
        self.checked: dict[str, CheckedDocument] = {}  # uri -> the latest published check
        self._pending: dict[str, asyncio.Task[None]] = {}  # uri -> its latest scheduled check
        self._running: set[asyncio.Task[object]] = set()  # checks that have their turn: never cancelled
        self._turn = asyncio.Lock()
        self._shown_errors: set[str] = set()  # each error is shown once, not at every keystroke

    @property
    def encoding(self) -> str:
        """The negotiated position encoding (``utf-8``, ``utf-16`` or ``utf-32``)."""
        chosen = self.workspace.position_encoding
        return str(getattr(chosen, "value", chosen) or UTF16)

    def open_document(self, uri: str) -> TextDocument | None:
        return open_text_document(self.workspace, uri)

    def is_python(self, uri: str) -> bool:
        """Whether ``uri`` is an open Python document (nothing else is checked)."""
        document = self.open_document(uri)
        return document is not None and (document.language_id == "python" or uri.endswith(PYTHON_SUFFIXES))

    def schedule(self, uri: str, delay: float) -> None:
        """Check ``uri`` after ``delay`` seconds, replacing a check of it that is waiting (its delay or its turn)."""
        self._cancel_waiting(uri)
        self._pending[uri] = asyncio.ensure_future(self._check_and_publish(uri, delay))

    def forget(self, uri: str) -> None:
        self._cancel_waiting(uri)
        self.checked.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def end_session(self) -> None:
        for uri in list(self._pending):
            self._cancel_waiting(uri)
        self.checking.close()

    def _cancel_waiting(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None and pending not in self._running:
            pending.cancel()

    async def current(self, uri: str) -> CheckedDocument | None:
        """The check of the document's current text: the published one, or a new one if the text moved on."""
        document = self.open_document(uri)
        checked = self.checked.get(uri)
        if document is not None and checked is not None and checked.version == document.version and checked.text == document.source:
            return checked
        return await self._check(uri)

    async def _check(self, uri: str) -> CheckedDocument | None:
        async with self._turn:
            document = self.open_document(uri)
            if document is None:
                return None  # closed while it waited
            root = str(self.workspace_root) if self.workspace_root else None
            request = CheckRequest(uri, document.version, document.source, root)
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            started = time.monotonic()
            try:
                checked = await self.checking.check(request)
            finally:
                self._running.discard(task)
        took = time.monotonic() - started
        self.window_log_message(types.LogMessageParams(types.MessageType.Log, f"nnlint: checked {uri} (version {request.version}) in {took:.2f} s"))
        return checked

    async def _check_and_publish(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        checked = await self._check(uri)
        document = self.open_document(uri)
        if checked is None or document is None or document.version != checked.version or self.checking.closed:
            return  # closed or changed meanwhile (that event scheduled its own check), or the session is over
        self.checked[uri] = checked
        self._publish(checked)

    def _publish(self, checked: CheckedDocument) -> None:
        """Say why the document was not (fully) checked, then publish what was found."""
        for error in checked.errors:
            if error not in self._shown_errors:
                self._shown_errors.add(error)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"nnlint: {error}"))
        if checked.skipped is not None:
            shown = [_skipped_diagnostic(checked.skipped)]
        else:
            lines = SourceLines(checked.text)
            shown = [_CONVERTER.structure(lsp_diagnostic(d, lines, self.encoding), types.Diagnostic) for d in checked.diagnostics]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=checked.uri, diagnostics=shown, version=checked.version))


def _skipped_diagnostic(reason: str) -> types.Diagnostic:
    """Why nothing was checked, at the top of the document (it has no code: it is not a finding)."""
    top = types.Position(0, 0)
    return types.Diagnostic(range=types.Range(top, top), message=reason, severity=types.DiagnosticSeverity.Warning, source="nnlint")


def create_server(limits: ServerLimits | None = None) -> NnlintServer:
    server = NnlintServer(limits or ServerLimits())
    starting: set[asyncio.Task[None]] = set()

    @server.feature(types.INITIALIZED)
    def initialized(ls: NnlintServer, params: types.InitializedParams) -> None:
        root = ls.workspace.root_path
        ls.workspace_root = Path(root) if root else None
        task = asyncio.ensure_future(ls.checking.start())  # the engine's imports, before the first document arrives
        starting.add(task)
        task.add_done_callback(starting.discard)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: NnlintServer, params: None) -> None:
        ls.end_session()

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
            return []  # not open (or not Python): nothing to act on
        checked = await ls.current(uri)
        if checked is None or checked.skipped is not None:
            return []  # closed meanwhile, or not checked (a cap): no fixes, and no LibCST on a document too big for it
        capabilities = ls.client_capabilities.workspace
        versioned = bool(capabilities and capabilities.workspace_edit and capabilities.workspace_edit.document_changes)
        only = [str(getattr(kind, "value", kind)) for kind in params.context.only] if params.context.only else None
        try:
            from nnlint.lsp.actions import code_actions  # applies fixes with LibCST: imported on first use

            return code_actions(checked, params.range, ls.encoding, only=only, versioned=versioned)
        except Exception as error:  # noqa: BLE001 - the request boundary: one line for the editor, not a traceback
            raise JsonRpcInternalError(f"nnlint: internal error ({type(error).__name__}: {error}); please report it") from None

    return server


def serve(limits: ServerLimits | None = None) -> None:
    """Run the server on standard input/output until the client says exit or goes away; the checking process goes with it."""
    server = create_server(limits)
    try:
        server.start_io()
    finally:
        server.checking.close()
