"""``--fix`` never loses an edit or a link (issue 10), nor a comment of the code it rewrites.

Writing: an edit saved while the file was checked wins; a symbolic link stays a link and its
target is fixed; owner, group and mode stay; hard links stay linked; read-only stays refused.
Comments: the fixes of NN302, NN304 and NN311 keep every comment of the code they rewrite on
the line it was on (see fixes.py, "cuts").
"""

from __future__ import annotations

import io
import os
import tokenize
from pathlib import Path

import libcst as cst
import pytest

from nnlint import file_write
from nnlint.cli import main
from nnlint.commands import check_run
from nnlint.file_write import ChangedOnDisk, write_fixed
from nnlint.rule import Rule
from nnlint.rules.implementation.sigmoid_before_bce_with_logits import SigmoidBeforeBCEWithLogits
from nnlint.rules.implementation.softmax_before_cross_entropy import SoftmaxBeforeCrossEntropy
from nnlint.rules.implementation.wrong_final_activation import WrongFinalActivation
from nnlint.testing import apply_fixes, check_example, dedent

BUGGY = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.NLLLoss()
loss = criterion(model(x), y)
"""
BUGGY_FIXED = BUGGY.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()")
AS_ROOT = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file to another user")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def nnlint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--format", "concise", "--no-cache", "--fix", "--unsafe-fixes", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def errors(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("error:")]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if ".nnlint-tmp" in p.name or "backup" in p.name)


# --- an edit saved while --fix was checking the file ---------------------------------------------

SAVED_MEANWHILE = BUGGY + "print('saved by the editor while nnlint was checking')\n"


def test_an_edit_saved_while_the_file_was_checked_is_kept_and_the_file_not_fixed(
        work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor saves between the check and the write: deterministic, no race with a timer."""
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    real_check_files = check_run.check_files

    def check_then_the_user_saves(*args: object, **kwargs: object) -> object:
        results = real_check_files(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(SAVED_MEANWHILE, encoding="utf-8")
        return results

    monkeypatch.setattr(check_run, "check_files", check_then_the_user_saves)
    code, out = nnlint(capsys, "a.py")
    assert path.read_text(encoding="utf-8") == SAVED_MEANWHILE
    assert errors(out) == ["error: a.py: changed on disk while nnlint was checking it; not fixed, the new text is kept (run nnlint again)"]
    assert code == 2
    assert "Fixed" not in out
    assert leftovers(work) == []


@pytest.mark.parametrize("linked", [False, True], ids=["plain", "hard-linked"])
def test_the_writer_compares_with_the_checked_text_before_it_replaces(tmp_path: Path, linked: bool) -> None:
    path = tmp_path / "a.py"
    path.write_text(SAVED_MEANWHILE, encoding="utf-8")
    if linked:
        os.link(path, tmp_path / "b.py")
    with pytest.raises(ChangedOnDisk):
        write_fixed(path, BUGGY, BUGGY_FIXED, "utf-8")
    assert path.read_text(encoding="utf-8") == SAVED_MEANWHILE
    assert leftovers(tmp_path) == []


def test_a_save_after_the_temporary_file_is_written_is_still_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison is the last step before the rename, after the slow part (writing the new text)."""
    path = tmp_path / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    real_chmod = os.chmod

    def chmod_then_the_user_saves(target: str, mode: int) -> None:
        real_chmod(target, mode)
        path.write_text(SAVED_MEANWHILE, encoding="utf-8")

    monkeypatch.setattr(file_write.os, "chmod", chmod_then_the_user_saves)
    with pytest.raises(ChangedOnDisk):
        write_fixed(path, BUGGY, BUGGY_FIXED, "utf-8")
    assert path.read_text(encoding="utf-8") == SAVED_MEANWHILE
    assert leftovers(tmp_path) == []


def test_a_file_deleted_meanwhile_is_not_recreated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    real_chmod = os.chmod

    def chmod_then_the_user_deletes(target: str, mode: int) -> None:
        real_chmod(target, mode)
        path.unlink()

    monkeypatch.setattr(file_write.os, "chmod", chmod_then_the_user_deletes)
    with pytest.raises(ChangedOnDisk):
        write_fixed(path, BUGGY, BUGGY_FIXED, "utf-8")
    assert list(tmp_path.iterdir()) == []


# --- links, owner, group, mode -------------------------------------------------------------------

def test_a_symlink_stays_a_link_and_its_target_is_fixed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "real").mkdir()
    target = work / "real" / "model.py"
    target.write_text(BUGGY, encoding="utf-8")
    link = work / "a.py"
    link.symlink_to(os.path.join("real", "model.py"))
    code, out = nnlint(capsys, "a.py")
    assert (code, errors(out)) == (0, [])
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "model.py")
    assert target.read_text(encoding="utf-8") == BUGGY_FIXED
    assert leftovers(work) == []


def test_a_chain_of_symlinks_fixes_the_last_target(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = work / "model.py"
    target.write_text(BUGGY, encoding="utf-8")
    (work / "b.py").symlink_to("model.py")
    (work / "a.py").symlink_to("b.py")
    assert nnlint(capsys, "a.py")[0] == 0
    assert (work / "a.py").is_symlink() and (work / "b.py").is_symlink()
    assert target.read_text(encoding="utf-8") == BUGGY_FIXED


def test_a_symlink_to_a_read_only_file_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = work / "model.py"
    target.write_text(BUGGY, encoding="utf-8")
    target.chmod(0o444)
    (work / "a.py").symlink_to("model.py")
    code, out = nnlint(capsys, "a.py")
    assert code == 2
    assert errors(out) == ["error: a.py: cannot write the fixes (the file is read-only); the file is unchanged"]
    assert target.read_text(encoding="utf-8") == BUGGY and (work / "a.py").is_symlink()


def test_the_mode_is_kept(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    path.chmod(0o751)
    assert nnlint(capsys, "a.py")[0] == 0
    assert (path.read_text(encoding="utf-8"), path.stat().st_mode & 0o7777) == (BUGGY_FIXED, 0o751)


@AS_ROOT
def test_owner_and_group_are_kept(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    os.chown(path, 4321, 8765)
    path.chmod(0o640)
    assert nnlint(capsys, "a.py")[0] == 0
    status = path.stat()
    assert (path.read_text(encoding="utf-8"), status.st_uid, status.st_gid, status.st_mode & 0o7777) == (BUGGY_FIXED, 4321, 8765, 0o640)
    assert leftovers(work) == []


def test_without_the_right_to_give_the_file_away_it_is_rewritten_in_place(work: Path, capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """What a non-root user gets on a group-writable file of someone else: the rename would make it theirs."""
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    inode = path.stat().st_ino
    made = os.stat

    def stat(target: object, *args: object, **kwargs: object) -> os.stat_result:
        result = made(target, *args, **kwargs)  # type: ignore[arg-type]
        if str(target).endswith(".nnlint-tmp"):  # the temporary file belongs to someone else than a.py
            fields = list(result)
            fields[4] += 1
            return os.stat_result(fields)
        return result

    def chown(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(file_write.os, "stat", stat)
    monkeypatch.setattr(file_write.os, "chown", chown)
    assert nnlint(capsys, "a.py")[0] == 0
    assert (path.read_text(encoding="utf-8"), path.stat().st_ino) == (BUGGY_FIXED, inode)
    assert leftovers(work) == []


def test_extended_attributes_are_kept(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    try:
        os.setxattr(path, "user.origin", b"kept")
    except (AttributeError, OSError):
        pytest.skip("no user extended attributes on this filesystem")
    assert nnlint(capsys, "a.py")[0] == 0
    assert (path.read_text(encoding="utf-8"), os.getxattr(path, "user.origin")) == (BUGGY_FIXED, b"kept")
    assert leftovers(work) == []


def test_hard_links_stay_linked(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    (work / "elsewhere").mkdir()
    other = work / "elsewhere" / "same.py"
    os.link(path, other)
    assert nnlint(capsys, "a.py")[0] == 0
    assert path.read_text(encoding="utf-8") == other.read_text(encoding="utf-8") == BUGGY_FIXED
    assert path.stat().st_ino == other.stat().st_ino and path.stat().st_nlink == 2
    assert leftovers(work) == []


def test_a_hard_linked_read_only_file_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    os.link(path, work / "b.txt")
    path.chmod(0o444)
    code, out = nnlint(capsys, "a.py")
    assert (code, errors(out)) == (2, ["error: a.py: cannot write the fixes (the file is read-only); the file is unchanged"])
    assert path.read_text(encoding="utf-8") == BUGGY


def test_an_in_place_write_that_fails_half_way_puts_the_original_back(work: Path, capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    os.link(path, work / "b.txt")
    real_overwrite = file_write._overwrite
    calls = []

    def disk_full_the_first_time(target: Path, data: bytes) -> None:
        calls.append(data)
        if len(calls) == 1:
            with open(target, "r+b") as stream:
                stream.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        real_overwrite(target, data)

    monkeypatch.setattr(file_write, "_overwrite", disk_full_the_first_time)
    code, out = nnlint(capsys, "a.py")
    assert (code, errors(out)) == (2, ["error: a.py: cannot write the fixes (No space left on device); the file is unchanged"])
    assert path.read_text(encoding="utf-8") == (work / "b.txt").read_text(encoding="utf-8") == BUGGY
    assert leftovers(work) == []


def test_when_the_original_cannot_be_put_back_the_backup_is_kept_and_named(work: Path, capsys: pytest.CaptureFixture[str],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    os.link(path, work / "b.txt")

    def broken_disk(target: Path, data: bytes) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(file_write, "_overwrite", broken_disk)
    code, out = nnlint(capsys, "a.py")
    [backup] = leftovers(work)
    assert code == 2
    assert errors(out) == [f"error: a.py: the fixes were written half-way and the original could not be put back; "
                           f"it is kept in {work / backup}"]
    assert (work / backup).read_text(encoding="utf-8") == BUGGY


# --- comments in the code a fix rewrites ---------------------------------------------------------

COMMENT_RULES = [SoftmaxBeforeCrossEntropy, SigmoidBeforeBCEWithLogits, WrongFinalActivation]


def fix(rule: type[Rule], code: str) -> str:
    diagnostics = check_example(rule, code)
    assert any(d.fix for d in diagnostics), f"{rule.code} offers no fix for:\n{code}"
    return apply_fixes(code, diagnostics)


@pytest.mark.parametrize(("rule", "code", "expected"), [
    pytest.param(SoftmaxBeforeCrossEntropy, """\
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(784, 10),  # scores
            nn.Softmax(dim=1),  # probabilities
        )
        loss = nn.CrossEntropyLoss()(model(x), y)
    """, """\
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(784, 10),  # scores
            # probabilities
        )
        loss = nn.CrossEntropyLoss()(model(x), y)
    """, id="NN302-comment-on-the-removed-layer-stays-where-it-was"),
    pytest.param(SoftmaxBeforeCrossEntropy, """\
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(784, 10),
            nn.Softmax(dim=1)  # probabilities
        )
        loss = nn.CrossEntropyLoss()(model(x), y)
    """, """\
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(784, 10)
            # probabilities
        )
        loss = nn.CrossEntropyLoss()(model(x), y)
    """, id="NN302-no-trailing-comma-the-comment-is-not-moved-onto-the-linear-line"),
    pytest.param(SoftmaxBeforeCrossEntropy, """\
        import torch
        import torch.nn.functional as F
        fc = torch.nn.Linear(8, 3)
        loss = F.cross_entropy(F.softmax(fc(x),  # probs
            dim=1), y)
    """, """\
        import torch
        import torch.nn.functional as F
        fc = torch.nn.Linear(8, 3)
        loss = F.cross_entropy(fc(x)  # probs
            , y)
    """, id="NN302-comment-inside-the-removed-call"),
    pytest.param(SigmoidBeforeBCEWithLogits, """\
        import torch
        import torch.nn.functional as F
        head = torch.nn.Linear(8, 1)
        loss = F.binary_cross_entropy_with_logits(torch.sigmoid(  # squash
            head(x)  # logits
        ), y)
    """, """\
        import torch
        import torch.nn.functional as F
        head = torch.nn.Linear(8, 1)
        loss = F.binary_cross_entropy_with_logits(  # squash
            head(x)  # logits
        , y)
    """, id="NN304-comments-around-the-kept-logits"),
    pytest.param(WrongFinalActivation, """\
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(),
            nn.Linear(128, 10),
            nn.ReLU())  # squash
        loss = nn.CrossEntropyLoss()(model(x), y)
    """, """\
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(),
            nn.Linear(128, 10)
            )  # squash
        loss = nn.CrossEntropyLoss()(model(x), y)
    """, id="NN311-comment-after-the-closing-bracket-stays-on-its-line"),
    pytest.param(SigmoidBeforeBCEWithLogits, """\
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(20, 1),  # logits
            # squash twice, to be sure
            nn.Sigmoid(),  # one
            nn.Sigmoid(),  # two
        )
        loss = nn.BCEWithLogitsLoss()(model(x), y)
    """, """\
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(20, 1),  # logits
            # squash twice, to be sure
            # one
            # two
        )
        loss = nn.BCEWithLogitsLoss()(model(x), y)
    """, id="NN304-every-removed-copy-keeps-its-comment"),
])
def test_a_fix_keeps_every_comment_on_its_line(rule: type[Rule], code: str, expected: str) -> None:
    assert fix(rule, dedent(code)) == dedent(expected)


def test_comments_are_kept_in_a_crlf_file_with_its_line_breaks() -> None:
    code = "import torch.nn as nn\nmodel = nn.Sequential(\n    nn.Linear(784, 10),  # scores\n    nn.Softmax(dim=1)  # probs\n)\nloss = nn.CrossEntropyLoss()(model(x), y)\n"
    fixed = fix(SoftmaxBeforeCrossEntropy, code.replace("\n", "\r\n"))
    assert fixed == code.replace("    nn.Linear(784, 10),  # scores\n    nn.Softmax(dim=1)  # probs\n",
                                 "    nn.Linear(784, 10)  # scores\n    # probs\n").replace("\n", "\r\n")


def test_a_hash_in_a_string_is_not_taken_for_a_comment() -> None:
    code = dedent("""\
        import torch
        import torch.nn.functional as F
        fc = torch.nn.Linear(8, 3)
        loss = F.cross_entropy(F.softmax(fc(x["#a"]),
            dim=1), y)
    """)
    assert fix(SoftmaxBeforeCrossEntropy, code) == code.replace('F.softmax(fc(x["#a"]),\n    dim=1)', 'fc(x["#a"])')


# The property: over the rules' own fixable examples and a few more shapes, laid out as written and
# with every call's arguments on lines of their own, with a comment injected at the end of every line,
# above every line, or both, the fix keeps every comment (same texts, same count, same order) and each
# stays on a line whose code is what is left of the code it was on (or on a line of its own).

MORE_SHAPES = [
    (SoftmaxBeforeCrossEntropy, """
        import torch.nn as nn
        import torch.nn.functional as F
        fc = nn.Linear(8, 3)
        loss = F.cross_entropy(fc(x).softmax(dim=1), y)
    """),
    (SoftmaxBeforeCrossEntropy, """
        import torch.nn as nn
        import torch.nn.functional as F
        fc = nn.Linear(8, 3)
        loss = F.cross_entropy((F.softmax(input=(fc(x)), dim=1)), y)
    """),
    (SigmoidBeforeBCEWithLogits, """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(20, 1), nn.Sigmoid(), nn.Sigmoid(),)
        loss = nn.BCEWithLogitsLoss()(model(x), y)
    """),
    (WrongFinalActivation, """
        import torch.nn as nn
        def build():
            if True:
                return nn.CrossEntropyLoss()(nn.Sequential(nn.Linear(4, 2), nn.Tanh())(x), y)
    """),
]


def _examples() -> list[tuple[type[Rule], str]]:
    own = [(rule, example.code) for rule in COMMENT_RULES for example in rule.invalid]
    return [(rule, dedent(code)) for rule, code in own + MORE_SHAPES if any(d.fix for d in check_example(rule, dedent(code)))]


class _OneArgumentPerLine(cst.CSTTransformer):
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        def line_break() -> cst.ParenthesizedWhitespace:
            return cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace("    "))

        if not updated_node.args:
            return updated_node
        args = [arg.with_changes(comma=arg.comma.with_changes(whitespace_after=line_break())) if isinstance(arg.comma, cst.Comma) else arg
                for arg in updated_node.args]
        return updated_node.with_changes(whitespace_before_args=line_break(), args=args)


def _with_comments(code: str, where: str) -> str:
    out = []
    for number, line in enumerate(code.splitlines()):
        if where in ("above", "both"):
            out.append(f"{line[: len(line) - len(line.lstrip())]}# above {number}")
        out.append(f"{line}  # end {number}" if where in ("end", "both") else line)
    return "\n".join(out) + "\n"


def _comments_and_their_code(code: str) -> list[tuple[str, list[str]]]:
    """Each comment, in order, with the code tokens of its line."""
    lines: dict[int, list[str]] = {}
    comments: list[tuple[str, int]] = []
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            comments.append((token.string, token.start[0]))
        elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            lines.setdefault(token.start[0], []).append(token.string)
    return [(comment, lines.get(line, [])) for comment, line in comments]


def _code_tokens(code: str) -> list[str]:
    skipped = (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT)
    return [token.string for token in tokenize.generate_tokens(io.StringIO(code).readline) if token.type not in skipped]


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    remaining = iter(whole)
    return all(token in remaining for token in part)


@pytest.mark.parametrize("where", ["end", "above", "both"])
@pytest.mark.parametrize("layout", ["as-written", "one-argument-per-line"])
@pytest.mark.parametrize(("rule", "example"), [pytest.param(rule, code, id=f"{rule.code}-{index}") for index, (rule, code) in enumerate(_examples())])
def test_property_every_comment_survives_the_fix_on_its_own_line(rule: type[Rule], example: str, layout: str, where: str) -> None:
    laid_out = example if layout == "as-written" else cst.parse_module(example).visit(_OneArgumentPerLine()).code
    code = _with_comments(laid_out, where)
    fixed = fix(rule, code)
    compile(fixed, "fixed.py", "exec")
    assert _code_tokens(fixed) == _code_tokens(fix(rule, example)), "the comments changed what the fix does"
    before, after = _comments_and_their_code(code), _comments_and_their_code(fixed)
    assert [comment for comment, _ in after] == [comment for comment, _ in before]
    for (comment, was_on), (_, now_on) in zip(before, after):
        assert _is_subsequence(now_on, was_on), f"{comment!r} moved from {' '.join(was_on)!r} to {' '.join(now_on)!r}:\n{fixed}"
    assert not [d for d in check_example(rule, fixed) if d.fix], "applying the fix again would change the file"
