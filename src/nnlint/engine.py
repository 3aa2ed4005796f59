"""Checking files: parse once, one batched visit for all rules, findings as Diagnostics.

``check_text`` is the per-file pipeline (prefilter -> parse -> visit -> positions
only if something was found -> fixes -> suppressions -> config overrides; all after the
prefilter on a deep stack, ``nnlint.deep_stack``);
``check_files`` runs it over many files, in a process pool when there are
several, and returns results sorted whatever the parallelism.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from nnlint.analysis.context import FileContext
from nnlint.analysis.project import Project
from nnlint.cache import ResultCache, settings_key
from nnlint.config import Settings
from nnlint.deep_stack import call_with_deep_stack
from nnlint.diagnostic import Diagnostic, Range, Related, Severity
from nnlint.fixes import python_lines, text_edits
from nnlint.limits import FileLimits, FileTooSlow, time_limit
from nnlint.notebooks import is_notebook, read_notebook
from nnlint.parsing import python_syntax_problem
from nnlint.registry import all_rules, select_codes
from nnlint.rule import Rule
from nnlint.rules.meta.unused_suppression import UnusedSuppression
from nnlint.sources import UnreadableSource, read_source
from nnlint.suppression import parse_suppressions
from nnlint.visitor import BatchedVisitor

@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each: the file (or a rule on it) failed
    text: str | None = None
    encoding: str = "utf-8"


def enabled_rules(settings: Settings) -> list[type[Rule]]:
    rules = all_rules()
    codes = select_codes(
        [rule.code for rule in rules],
        settings.select,
        settings.extend_select,
        settings.ignore,
        [rule.code for rule in rules if rule.default_enabled],
    )
    return [rule for rule in rules if rule.code in codes]


def check_text(text: str, shown_as: str, settings: Settings, *, path: Path | None = None, project: Project | None = None,
               rules: Sequence[type[Rule]] | None = None) -> FileResult:
    result = FileResult(shown_as, text=text)
    problem = python_syntax_problem(text, shown_as)
    if isinstance(problem, Diagnostic):
        result.diagnostics.append(problem)
        return result
    if problem is not None:
        result.errors.append(problem)
        return result
    enabled = [rule for rule in (enabled_rules(settings) if rules is None else rules) if not _ignored_for_file(rule.code, shown_as, settings)]
    chosen = [rule for rule in enabled if _may_match(rule, text)]
    if not chosen:
        return result
    ran = {rule.code for rule in enabled}  # a rule the prefilter skipped ran too: it cannot match this text
    try:
        return call_with_deep_stack(lambda: _check_tree(result, path, project, chosen, settings, ran))
    except RecursionError:  # deeper than even the deep stack allows
        return FileResult(shown_as, errors=[f"{shown_as}: too deeply nested to check; not checked"], text=text)


def _check_tree(result: FileResult, path: Path | None, project: Project | None, chosen: list[type[Rule]], settings: Settings,
                ran: set[str]) -> FileResult:
    """The LibCST half of ``check_text``, for a file Python's own parser accepts."""
    text, shown_as = result.text or "", result.path
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:  # Python accepts it, so it is no syntax error: LibCST's limit, not the user's
        reason = error.message.splitlines()[0] if error.message else "no reason given"
        result.errors.append(f"{shown_as}: could not be checked: LibCST, the parser nnlint uses, rejects this valid Python "
                             f"({reason}); not checked")
        return result
    context = FileContext(path, shown_as, text, (project or Project()).module_for(path, module))
    instances = [rule(context) for rule in chosen]
    visitor = BatchedVisitor(context, instances)
    visitor.walk(module)
    for code, failure in sorted(visitor.failures.items()):
        result.errors.append(f"{shown_as}: internal error in rule {code} ({type(failure).__name__}: {failure}); other rules still ran")
    result.diagnostics.extend(_diagnostics(instances, context, settings, ran - set(visitor.failures)))
    return result


def _may_match(rule: type[Rule], text: str) -> bool:
    return any(word in text for word in rule.requires_text)


def _ignored_for_file(code: str, shown_as: str, settings: Settings) -> bool:
    for pattern, codes in settings.per_file_ignores.items():
        if _glob_matches(pattern, shown_as, settings.root) and any(code.startswith(c) or c == "ALL" for c in codes):
            return True
    return False


def _glob_matches(pattern: str, shown_as: str, root: Path | None) -> bool:
    candidates = {shown_as, Path(shown_as).name}
    if root is not None:
        try:
            candidates.add(Path(shown_as).resolve().relative_to(root).as_posix())
        except ValueError:
            pass
    return any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates)


def _diagnostics(rules: list[Rule], context: FileContext, settings: Settings, ran: set[str]) -> list[Diagnostic]:
    reported = [(rule, report) for rule in rules for report in rule.reports]
    judges_suppressions = any(isinstance(rule, UnusedSuppression) for rule in rules)
    if not reported and not judges_suppressions:
        return []
    module, text, shown_as, positions = context.module, context.text, context.display_path, context.positions
    lines = python_lines(text)  # not str.splitlines: see nnlint.fixes.python_lines
    suppressions = parse_suppressions(text)
    found = []
    for rule, report in reported:
        where = positions.range_of(report.node)
        if where is None:
            continue
        diagnostic = Diagnostic(
            code=rule.code,
            name=rule.name,
            message=report.message,
            path=shown_as,
            range=where,
            severity=settings.severity.get(rule.code, rule.severity),
            checklist=tuple(rule.checklist),
            fix=text_edits(report.fix, module, positions, lines) if report.fix else None,
            help=rule.help,
            notes=report.notes,
            related=tuple(Related(shown_as, at, reason.message) for reason in report.because
                          if (at := positions.range_of(reason.node)) is not None),
        )
        found.append(diagnostic)
    if judges_suppressions:  # NN001 judges the comments against every finding before they hide any
        found += UnusedSuppression.findings(suppressions, found, ran, lines, shown_as,
                                            settings.severity.get(UnusedSuppression.code, UnusedSuppression.severity))
    return sorted({diagnostic for diagnostic in found if not suppressions.hides(diagnostic)}, key=Diagnostic.sort_key)


# --- many files ----------------------------------------------------------------------------------

_worker_project: Project | None = None
_worker_caches: dict[str, ResultCache] = {}


def check_file(path: str, settings: Settings, cache_directory: str | None = None, limits: FileLimits = FileLimits()) -> FileResult:
    """The file boundary: whatever goes wrong here is this file's one-line error, never a traceback."""
    global _worker_project
    if _worker_project is None:
        _worker_project = Project()
    try:
        source = read_source(Path(path), path, limits.max_bytes)
        notebook = read_notebook(source.text, path) if is_notebook(path) else None
    except UnreadableSource as error:
        return FileResult(path, errors=[str(error)])
    cache = _cache_for(cache_directory, settings)
    cached = cache.load(path, source.data, source.text) if cache else None
    if cached is not None:
        return FileResult(path, cached, text=source.text if cached else None, encoding=source.encoding)
    try:
        with time_limit(limits.max_seconds):
            result = check_text(source.text if notebook is None else notebook.program, path, settings, path=Path(path), project=_worker_project)
        if notebook is not None:  # positions in the .ipynb file, and its text for the reporters
            result.diagnostics, result.text = notebook.to_file(result.diagnostics), source.text
    except FileTooSlow:
        _worker_project = Project()  # abandoned half-way: start the next file from a clean index
        return FileResult(path, errors=[f"{path}: took longer than {limits.max_seconds:g} s to check; not checked "
                                        "(raise the limit with --max-file-time; please report the file)"])
    except Exception as error:  # noqa: BLE001 - an internal bug on one file must not stop the run
        return FileResult(path, errors=[f"{path}: internal error ({type(error).__name__}: {error}); please report it"], text=source.text)
    result.encoding = source.encoding
    if cache and not result.errors:
        cache.store(path, source.data, result.diagnostics, _worker_project.imports_read(Path(path)))
    if not result.diagnostics:
        result.text = None  # only files with findings need their text (frames, fixes): keeps big runs small
    return result


def _cache_for(directory: str | None, settings: Settings) -> ResultCache | None:
    if directory is None:
        return None
    key = settings_key(settings, [rule.code for rule in enabled_rules(settings)])
    found = _worker_caches.get(directory + key)
    if found is None:
        found = _worker_caches[directory + key] = ResultCache(Path(directory), key)
    return found


def check_files(paths: Sequence[str], settings: Settings, jobs: int | None = None, cache_directory: str | None = None,
                limits: FileLimits = FileLimits()) -> list[FileResult]:
    global _worker_project
    _worker_project = None  # each run reads the project as it is now, not as an earlier run in this process (or its forks) did
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(paths) < 2:
        results = [check_file(path, settings, cache_directory, limits) for path in paths]
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
            count = len(paths)
            results = list(pool.map(check_file, paths, [settings] * count, [cache_directory] * count, [limits] * count, chunksize=max(1, count // (jobs * 8))))
    return sorted(results, key=lambda result: result.path)
