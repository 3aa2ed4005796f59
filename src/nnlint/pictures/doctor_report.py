"""The doctor's report as one self-contained HTML file: the checks' evidence as charts, findings marked on them.

Drawn with plotly (the optional ``doctor`` extra): a well-kept library whose
figures carry their data, zoom and hover, and whose JavaScript is embedded once
in the file, so the page opens on an air-gapped machine. Every chart draws the
band its check uses (the thresholds come from ``nnlint.doctor.codes``, the same
numbers the checks compare with) and lists the findings it is the evidence of.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any

from nnlint.diagnostic import Diagnostic
from nnlint.doctor import codes
from nnlint.doctor.report import DoctorReport
from nnlint.pictures.charts import CHARTS, chart_of

NEEDS_PLOTLY = "--report needs plotly: pip install 'nnlint[doctor]'"
_FINDING = "#d62728"
_BAND = "rgba(44, 160, 44, 0.12)"


def plotly_available() -> bool:
    try:
        import plotly  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True


def render_report(report: DoctorReport, title: str) -> str:
    """The whole page as a string (plotly must be importable)."""
    import plotly.graph_objects as go  # type: ignore[import-untyped]
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

    findings: dict[str, list[Diagnostic]] = {chart: [] for chart in CHARTS}
    for diagnostic in report.diagnostics:
        chart = chart_of(diagnostic.code)
        if chart is not None:
            findings[chart].append(diagnostic)
    metrics = report.metrics
    builders = {"loss": _loss, "gradient-flow": _gradient_flow, "updates": _updates, "activations": _activations,
                "labels": _labels, "inputs": _inputs}
    sections = []
    for chart, (heading, _) in CHARTS.items():
        figure = builders[chart](go, metrics)
        if figure is None:
            sections.append(f'<section id="{chart}"><h2>{escape(heading)}</h2><p class="empty">not measured in this run</p>'
                            f"{_finding_list(findings[chart])}</section>")
            continue
        _mark(figure, findings[chart])
        _mark_layers(figure, chart, findings[chart], metrics)
        figure.update_layout(title=figure.layout.title.text or heading, height=380, margin={"l": 60, "r": 20, "t": 50, "b": 60}, template="plotly_white")
        div = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{chart}", config={"displaylogo": False})
        sections.append(f'<section id="{chart}" class="chart">{div}{_finding_list(findings[chart])}</section>')
    unplaced = [d for d in report.diagnostics if chart_of(d.code) is None]
    summary = escape(str(report.summary())).replace("\n", "<br>")
    return _PAGE.format(title=escape(title), plotly=get_plotlyjs(), summary=summary, body="\n".join(sections),
                        other=_finding_list(unplaced, heading="other findings"))


def _finding_list(diagnostics: list[Diagnostic], heading: str = "") -> str:
    if not diagnostics:
        return ""
    items = "".join(f'<li class="finding"><b>{escape(d.code)}</b> {escape(d.path)}:{d.line + 1}: {escape(d.message)}</li>' for d in diagnostics)
    return (f"<h3>{escape(heading)}</h3>" if heading else "") + f"<ul>{items}</ul>"


def _mark(figure: Any, diagnostics: list[Diagnostic]) -> None:
    """The chart's findings in its corner, in red: what the picture is evidence of."""
    if diagnostics:
        text = "<br>".join(escape(f"{d.code} {d.name}") for d in diagnostics)
        figure.add_annotation(text=text, xref="paper", yref="paper", x=1, y=1, xanchor="right", yanchor="top", showarrow=False,
                              font={"color": _FINDING}, bordercolor=_FINDING, borderwidth=1, bgcolor="white")
        figure.update_layout(title_font_color=_FINDING)


#: chart -> (layer metric a marked layer's point sits at, subplot row/col or None)
_LAYER_POINTS: dict[str, tuple[str, dict[str, int]]] = {"gradient-flow": ("grad_norms", {}), "activations": ("init_std", {"row": 1, "col": 1})}


def _mark_layers(figure: Any, chart: str, diagnostics: list[Diagnostic], metrics: dict[str, Any]) -> None:
    """A red cross on each layer a finding of this chart names (as messages name layers: ``fc1 (Linear)``)."""
    if chart not in _LAYER_POINTS or not diagnostics:
        return
    key, subplot = _LAYER_POINTS[chart]
    marked = []
    for name, data in _ordered_layers(metrics):
        value = data.get(key)
        value = value[0] if isinstance(value, list) and value else value
        label = name if data.get("where") else f"{name} ({data.get('kind')})"
        named = re.compile(rf"(?<![\w.]){re.escape(label)}")  # "2 (Linear)" is not named by "22 (Linear)"
        if isinstance(value, (int, float)) and value > 0 and any(named.search(d.message) for d in diagnostics):
            marked.append((name, value))
    if marked:
        figure.add_scatter(x=[name for name, _ in marked], y=[value for _, value in marked], mode="markers", name="named by a finding",
                           marker={"symbol": "x", "size": 13, "color": _FINDING}, **subplot)


def _finite(values: list[Any]) -> list[float | None]:
    return [value if isinstance(value, (int, float)) and math.isfinite(value) else None for value in values]


def _ordered_layers(metrics: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The measured layers in forward order."""
    return sorted(metrics.get("layers", {}).items(), key=lambda item: item[1].get("order", 0))


def _loss(go: Any, metrics: dict[str, Any]) -> Any:
    """The real run's loss and, beside it on the same scale, the overfit-one-batch experiment's (a longer run)."""
    losses = metrics.get("loss") or []
    if not losses:
        return None
    from plotly.subplots import make_subplots  # type: ignore[import-untyped]

    overfit = metrics.get("overfit")
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.55, 0.45],
                           subplot_titles=("the run", f"overfitting {overfit['samples']} samples" if overfit else "no overfit test"))
    figure.add_scatter(x=list(range(len(losses))), y=_finite(losses), mode="lines+markers", name="the run", row=1, col=1)
    if overfit:
        figure.add_scatter(y=_finite(overfit["curve"]), mode="lines", name="overfit one batch", row=1, col=2)
        if overfit.get("zeroed_curve"):
            figure.add_scatter(y=_finite(overfit["zeroed_curve"]), mode="lines", name="... on zeroed inputs", line={"dash": "dot"}, row=1, col=2)
    chance = metrics.get("chance")
    if chance:
        ceiling = max(chance * (1 + codes.CHANCE_TOLERANCE), chance + 0.5)
        for column in (1, 2):
            figure.add_hrect(y0=0, y1=ceiling, fillcolor=_BAND, line_width=0, row=1, col=column)
            figure.add_hline(y=chance, line_dash="dash", row=1, col=column)
        figure.add_annotation(text=f"chance -ln(1/C) = {chance:.3g}; band: where the initial loss should be", xref="paper", yref="paper",
                              x=0, y=-0.22, showarrow=False, xanchor="left")
    figure.update_xaxes(title="optimizer step")
    figure.update_yaxes(title="loss per element", row=1, col=1)
    return figure


def _gradient_flow(go: Any, metrics: dict[str, Any]) -> Any:
    layers = [(name, data["grad_norms"]) for name, data in _ordered_layers(metrics) if data.get("grad_norms")]
    if not layers:
        return None
    names = [name for name, _ in layers]
    figure = go.Figure()
    figure.add_scatter(x=names, y=_positive([norms[0] for _, norms in layers]), mode="lines+markers", name="first step")
    figure.add_scatter(x=names, y=_positive([norms[-1] for _, norms in layers]), mode="lines+markers", name="last step")
    last = layers[-1][1][0]
    if last > 0:
        limit = codes.GRADIENT_RATIO_LIMIT
        figure.add_hrect(y0=last / limit, y1=last * limit, fillcolor=_BAND, line_width=0)
    figure.update_layout(title=f"gradient flow (band: within {limit:.0e} of the last layer at the first step)")
    figure.update_yaxes(type="log", title="||gradient||")
    figure.update_xaxes(title="layer, in forward order")
    return figure


def _positive(values: list[Any]) -> list[float | None]:
    """Values a log axis can draw (zeros and non-finite values are gaps)."""
    return [value if value is not None and value > 0 else None for value in _finite(values)]


def _updates(go: Any, metrics: dict[str, Any]) -> Any:
    layers = [(name, data["update_ratios"]) for name, data in _ordered_layers(metrics) if data.get("update_ratios")]
    if not layers:
        return None
    figure = go.Figure()
    for name, ratios in layers:
        figure.add_scatter(y=_positive(ratios), mode="lines+markers", name=name)
    low, high = codes.UPDATE_RATIO_BAND
    figure.add_hrect(y0=low, y1=high, fillcolor=_BAND, line_width=0)
    figure.add_hline(y=1e-3, line_dash="dash")
    figure.update_layout(title=f"update/weight ratio per layer (band [{low:.0e}, {high:.0e}], target 1e-3 dashed)")
    figure.update_yaxes(type="log", title="||dw|| / ||w||")
    figure.update_xaxes(title="optimizer step")
    return figure


def _activations(go: Any, metrics: dict[str, Any]) -> Any:
    layers = _ordered_layers(metrics)
    scaled = [(name, data) for name, data in layers if data.get("init_std") is not None]
    fractions = [(name, data) for name, data in layers if any(data.get(key) is not None for key in ("dead_units_last", "saturated_last"))]
    if not scaled and not fractions:
        return None
    from plotly.subplots import make_subplots  # type: ignore[import-untyped]

    low, high = codes.ACTIVATION_BAND
    figure = make_subplots(rows=1, cols=2, subplot_titles=(f"output std per layer (band [{low}, {high}])",
                                                           f"dead units (ReLU, limit {codes.DEAD_RELU_FRACTION}) and saturation"))
    names = [name for name, _ in scaled]
    figure.add_bar(x=names, y=_positive([data["init_std"] for _, data in scaled]), name="std at init", row=1, col=1)
    figure.add_bar(x=names, y=_positive([data.get("std_last") for _, data in scaled]), name="std at last step", row=1, col=1)
    figure.add_hrect(y0=low, y1=high, fillcolor=_BAND, line_width=0, row=1, col=1)
    figure.update_yaxes(type="log", row=1, col=1)
    names = [name for name, _ in fractions]
    figure.add_bar(x=names, y=[data.get("dead_units_last") for _, data in fractions], name="dead units (ReLU)", row=1, col=2)
    figure.add_bar(x=names, y=[data.get("saturated_last") for _, data in fractions], name="saturated (sigmoid/tanh)", row=1, col=2)
    figure.add_hline(y=codes.DEAD_RELU_FRACTION, line_dash="dash", row=1, col=2)
    figure.update_yaxes(range=[0, 1], row=1, col=2)
    return figure


def _labels(go: Any, metrics: dict[str, Any]) -> Any:
    batches = [batch for batch in metrics.get("batches", []) if batch.get("labels")]
    if not batches:
        return None
    classes = sorted({label for batch in batches for label in batch["labels"]}, key=lambda label: (len(label), label))
    figure = go.Figure()
    for label in classes:
        figure.add_bar(x=[batch["step"] for batch in batches], y=[batch["labels"].get(label, 0) for batch in batches], name=f"label {label}")
    figure.update_layout(barmode="stack")
    figure.update_xaxes(title="optimizer step")
    figure.update_yaxes(title="samples in the batch")
    return figure


def _inputs(go: Any, metrics: dict[str, Any]) -> Any:
    batches = [batch for batch in metrics.get("batches", []) if batch.get("input") and batch["input"].get("channel_mean")]
    if not batches:
        return None
    first = batches[0]["input"]
    channels = list(range(len(first["channel_mean"])))
    figure = go.Figure(go.Scatter(x=channels, y=_finite(first["channel_mean"]), mode="markers", name="mean (first batch)",
                                  error_y={"type": "data", "array": _finite(first["channel_std"]) if first["channel_std"] else None}))
    if first["channel_std"]:
        figure.add_scatter(x=channels, y=_finite(first["channel_std"]), mode="markers", name="std (first batch)", marker={"symbol": "diamond"})
    limit = codes.INPUT_SCALE_LIMIT
    figure.add_hrect(y0=-limit, y1=limit, fillcolor=_BAND, line_width=0)
    figure.update_layout(title=f"input statistics per channel (band: |mean| and std within {limit})")
    figure.update_xaxes(title=f"channel (axis {first['channel_axis']})")
    return figure


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script type="text/javascript">{plotly}</script>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 16px; }}
section {{ border-top: 1px solid #ddd; padding: 8px 0; }}
li.finding {{ color: #b00; }}
p.empty {{ color: #777; }}
pre, .summary {{ font-family: ui-monospace, monospace; font-size: 12px; background: #f6f6f6; padding: 8px; }}
</style></head><body>
<h1>{title}</h1>
<div class="summary">{summary}</div>
{body}
{other}
</body></html>
"""
