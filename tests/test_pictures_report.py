"""The doctor's pictures: --report HTML, --format json's metrics, the chart each finding names, --tensorboard.

One real doctor run (a tiny script with vanishing gradients, 4 steps) feeds the
command-line tests; the rest draw hand-written metrics, in milliseconds.
"""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nnlint.diagnostic import Diagnostic, Range
from nnlint.doctor.codes import BY_CODE
from nnlint.doctor.report import DoctorReport
from nnlint.pictures.charts import CHARTS, chart_of, with_chart_notes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "doctor"
NNLINT = [sys.executable, "-c", "import sys; from nnlint.cli import main; sys.exit(main())"]
STEPS = 4


def nnlint(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run([*NNLINT, *argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``nnlint doctor --format json --report`` on the vanishing-gradient fixture, under umask 022."""
    pytest.importorskip("torch")
    pytest.importorskip("plotly")
    directory = tmp_path_factory.mktemp("report")
    previous = os.umask(0o022)
    try:
        done = nnlint("doctor", "--quiet", "--steps", str(STEPS), "--format", "json", "--report", str(directory / "doctor.html"),
                      "--tensorboard", str(directory / "tb"), str(FIXTURES / "vanishing_gradient_bug.py"), cwd=directory)
    finally:
        os.umask(previous)
    return done, directory / "doctor.html"


def test_json_carries_the_metrics_per_step_and_per_layer(run) -> None:
    done, _ = run
    assert done.returncode == 1, done.stderr
    metrics = json.loads(done.stdout)["doctor"]["metrics"]
    assert len(metrics["loss"]) == STEPS and metrics["chance"] == pytest.approx(math.log(4))
    linear = [layer for layer in metrics["layers"].values() if layer["kind"] == "Linear"]
    assert len(linear) == 12
    for layer in linear:
        assert len(layer["grad_norms"]) == STEPS and len(layer["update_ratios"]) == STEPS
        assert layer["init_std"] > 0 and layer["std_last"] > 0
    assert linear[0]["grad_norms"][0] < 1e-4 * linear[-1]["grad_norms"][0]  # the vanishing gradient, in numbers
    batches = metrics["batches"]
    assert [batch["step"] for batch in batches] == list(range(STEPS))
    assert sum(batches[0]["labels"].values()) == batches[0]["input"]["shape"][0]
    assert len(batches[0]["input"]["channel_mean"]) == 20 and len(batches[0]["input"]["channel_std"]) == 20


def test_the_report_is_one_offline_file_with_every_chart_and_the_finding_marked(run) -> None:
    done, report = run
    assert f"report: {report}" in done.stderr
    from plotly.offline import get_plotlyjs

    page = report.read_text(encoding="utf-8")
    assert page.count(get_plotlyjs()) == 1  # plotly.js embedded once; the rest of the page loads nothing
    page = page.replace(get_plotlyjs(), "")
    assert "<script src" not in page and "http" not in page.lower()
    for chart in CHARTS:
        assert f'id="chart-{chart}"' in page
    flow = page[page.index('id="gradient-flow"'):page.index('id="updates"')]
    assert "ND144" in flow and 'class="finding"' in flow


def test_tensorboard_without_the_package_is_one_line(run) -> None:
    from nnlint.pictures.tensorboard import NEEDS_TENSORBOARD, tensorboard_available

    done, report = run
    if tensorboard_available():
        assert any(path.name.startswith("events.") for path in (report.parent / "tb").iterdir())
    else:
        assert done.stderr.count(NEEDS_TENSORBOARD) == 1 and not (report.parent / "tb").exists()


def test_the_report_file_mode_follows_the_umask(run) -> None:
    _, report = run
    assert stat.S_IMODE(report.stat().st_mode) == 0o644


def test_a_terminal_finding_names_its_chart() -> None:
    diagnostic = Diagnostic("ND144", "vanishing-gradient", "vanishing", "train.py", Range.of(0, 0, 0, 1))
    (noted,) = with_chart_notes([diagnostic])
    assert noted.notes == ('evidence: the "gradient flow" chart of --report',)
    assert with_chart_notes([Diagnostic("ND181", "x", "y", "train.py", Range.of(0, 0, 0, 1))])[0].notes == ()


def test_every_charted_code_is_a_doctor_code() -> None:
    for _, codes in CHARTS.values():
        assert all(code in BY_CODE for code in codes)
    assert chart_of("ND161") == "updates" and chart_of("NN301") is None


def test_cross_entropy_on_probabilities_points_at_the_loss_chart() -> None:
    """ND124's evidence is a loss that sits at chance level from the first step: the loss chart shows it."""
    assert chart_of("ND124") == "loss"


def test_a_report_from_hand_written_metrics_skips_what_was_not_measured() -> None:
    pytest.importorskip("plotly")
    from nnlint.pictures.doctor_report import render_report

    report = DoctorReport(steps=3, metrics={"loss": [2.3, math.nan, 1.0], "chance": math.log(10), "layers": {}, "batches": []})
    page = render_report(report, "t")
    assert 'id="chart-loss"' in page and 'id="chart-gradient-flow"' not in page
    assert page.count("not measured in this run") == len(CHARTS) - 1


def test_a_missing_report_directory_is_one_line_before_the_script_runs(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    script = tmp_path / "train.py"
    script.write_text("print('ran')\n", encoding="utf-8")
    done = nnlint("doctor", "--report", str(tmp_path / "missing" / "r.html"), str(script), cwd=tmp_path)
    assert done.returncode == 2 and "ran" not in done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "no such directory" in done.stderr


def test_the_json_has_no_nan_even_when_the_loss_is_nan() -> None:
    report = DoctorReport(steps=1, metrics={"loss": [math.nan], "layers": {"fc": {"grad_norms": [math.inf]}}})
    text = json.dumps(report.lsp_json({}), allow_nan=False)
    assert json.loads(text)["doctor"]["metrics"] == {"loss": [None], "layers": {"fc": {"grad_norms": [None]}}}


def test_the_layers_a_finding_names_are_marked_on_its_chart() -> None:
    pytest.importorskip("plotly")
    import re

    from nnlint.pictures.doctor_report import render_report

    layers = {name: {"name": name, "kind": "Linear", "order": order, "grad_norms": [10.0 ** -order]} for order, name in enumerate(["0", "2", "22"])}
    message = "vanishing gradients at step 0: ||g||/||w|| of the first layer 0 (Linear) is 1e-9 and of the last layer 22 (Linear) 0.8"
    diagnostic = Diagnostic("ND144", "vanishing-gradient", message, "train.py", Range.of(0, 0, 0, 1))
    page = render_report(DoctorReport(diagnostics=[diagnostic], steps=1, metrics={"loss": [1.0], "layers": layers}), "t")
    marks = re.search(r'"name":"named by a finding","x":(\[[^\]]*\])', page)
    assert marks is not None and json.loads(marks.group(1)) == ["0", "22"]  # not "2", a substring of "22 (Linear)"


def test_a_report_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from nnlint.pictures import options
    from nnlint.pictures.doctor_report import NEEDS_PLOTLY

    args = argparse.Namespace(report=str(tmp_path), tensorboard=None, script="train.py")
    assert options.picture_problem(args) == f"--report {tmp_path}: is a directory"
    assert options.picture_problem(argparse.Namespace(report=None, tensorboard=None, script="train.py")) is None
    monkeypatch.setattr(options, "plotly_available", lambda: False)
    args.report = str(tmp_path / "r.html")
    assert options.picture_problem(args) == NEEDS_PLOTLY


def test_a_report_write_that_fails_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from nnlint.pictures import options

    monkeypatch.setattr(options, "render_report", lambda report, title: "<html></html>")
    target = tmp_path / "gone" / "r.html"  # the folder disappeared during the run
    options.write_pictures(DoctorReport(steps=1), argparse.Namespace(report=str(target), tensorboard=None, script="train.py"))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"nnlint doctor: --report {target}: ") and "Traceback" not in err
