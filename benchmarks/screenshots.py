"""Regenerate the README's screenshots: the doctor's --report and the graph of a small ResNet, in headless Chromium.

    python benchmarks/screenshots.py            # writes docs/images/doctor-report.png and docs/images/resnet-graph.png

Runs the real commands (``nnlint doctor --report`` on a fixture with vanishing
gradients, ``nnlint trace --graph`` on ``fixtures/models/small_resnet.py``) and
photographs the pages with the browser driver the tests use
(``tests/browser_support.py``), so the pictures are what a user gets. Needs the
``doctor`` and ``trace`` extras and Chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import Browser, find_chromium  # noqa: E402

NNLINT = [sys.executable, "-c", "import sys; from nnlint.cli import main; sys.exit(main())"]


def nnlint(*argv: str, cwd: Path) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([*NNLINT, *argv], capture_output=True, text=True, cwd=cwd, env=env)
    if done.returncode not in (0, 1):
        sys.exit(f"nnlint {' '.join(argv)} failed:\n{done.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="folder for the PNGs (default docs/images)")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        print("screenshots need Chromium: apt-get install chromium", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        nnlint("doctor", "--quiet", "--steps", "12", "--report", str(work / "doctor.html"),
               str(ROOT / "fixtures" / "doctor" / "vanishing_gradient_bug.py"), cwd=work)
        nnlint("trace", "fixtures/models/small_resnet.py:SmallResNet", "--input", "B,3,32,32",
               "--no-summary", "--graph", str(work / "graph.html"), cwd=ROOT)
        with Browser(chromium, width=1000, height=900) as browser:
            browser.open(work / "doctor.html")
            browser.screenshot(args.out / "doctor-report.png", 1000, 1050)  # the summary, the loss and the gradient flow
            browser.open(work / "graph.html")
            browser.screenshot(args.out / "resnet-graph.png", 760, 900)
            errors = browser.errors()
    if errors:
        print("the pages logged errors:", *errors, sep="\n  ", file=sys.stderr)
        return 1
    for name in ("doctor-report.png", "resnet-graph.png"):
        print(f"{args.out / name} ({(args.out / name).stat().st_size // 1024} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
