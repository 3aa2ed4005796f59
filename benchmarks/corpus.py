"""The benchmark corpus: real PyTorch code that nobody in this project wrote.

Pinned releases of well-known PyTorch projects are fetched from PyPI with
``pip download --no-deps`` (wheels first: a wheel is a zip that holds the ``.py``
sources; an sdist is the fallback) and their Python sources are unpacked into

    benchmarks/.cache/corpus/<project>-<version>/

Idempotent: a project whose folder holds a ``.complete`` stamp is not fetched again.
Only PyPI is needed (no git, no other network).

    python benchmarks/corpus.py            # fetch what is missing, print files/lines per project
    python benchmarks/corpus.py --list     # also print every file, in benchmark order

From Python::

    from corpus import corpus_files
    files = corpus_files(min_files=2000)   # deterministic order, projects interleaved
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
CORPUS_DIR = CACHE / "corpus"
DOWNLOADS = CACHE / "downloads"
STAMP = ".complete"

#: (PyPI name, pinned version). Change a pin and the old folder is simply ignored.
PROJECTS: Tuple[Tuple[str, str], ...] = (
    ("timm", "1.0.31"),
    ("transformers", "5.23.0"),
    ("pytorch-lightning", "2.6.6"),
    ("pytorch-ignite", "0.5.5"),
    ("accelerate", "1.15.0"),
)

#: Folders inside an sdist that are not code anybody lints (kept small on purpose).
_SKIP_PARTS = {"__pycache__", ".git", ".github"}


@dataclass(frozen=True)
class ProjectStats:
    name: str
    version: str
    path: Path
    files: int
    lines: int


def project_dir(name: str, version: str) -> Path:
    return CORPUS_DIR / f"{name}-{version}"


def _pip_download(name: str, version: str, dest: Path, binary: bool) -> Optional[Path]:
    """Download one distribution of ``name==version`` into ``dest``; return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
        "--only-binary" if binary else "--no-binary", ":all:",
        f"{name}=={version}", "-d", str(dest),
    ]
    # An sdist is not built, but pip prepares its metadata in an isolated build
    # environment (build requirements come from PyPI too).
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = _find_dist(dest, name, version)  # also there when pip said "already downloaded"
    if found is None:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-2000:])
    return found


def _find_dist(folder: Path, name: str, version: str) -> Optional[Path]:
    """The wheel (preferred) or sdist of ``name==version`` in ``folder``, if any."""
    if not folder.is_dir():
        return None
    prefix = name.lower().replace("-", "_").replace(".", "_") + "-" + version
    found = [
        p for p in folder.iterdir()
        if (p.suffix in (".whl", ".zip") or p.name.endswith(".tar.gz"))
        and _canon(p.name).startswith(prefix.lower())
    ]
    found.sort(key=lambda p: (p.suffix != ".whl", p.name))
    return found[0] if found else None


def _canon(filename: str) -> str:
    """``pytorch_lightning-2.6.6-py3-none-any.whl`` / ``pytorch-lightning-2.6.6.tar.gz``
    -> ``pytorch_lightning-2.6.6...``: the name part normalised, the version kept."""
    base = filename.lower()
    for ext in (".tar.gz", ".whl", ".zip"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    parts = base.split("-")
    # The version is the first dash-separated part that starts with a digit.
    for i, part in enumerate(parts[1:], start=1):
        if part[:1].isdigit():
            return "_".join(parts[:i]).replace(".", "_") + "-" + "-".join(parts[i:])
    return base


def _wanted(member: str) -> bool:
    parts = member.split("/")
    if not member.endswith(".py"):
        return False
    if any(p in _SKIP_PARTS for p in parts):
        return False
    if any(p.endswith(".dist-info") or p.endswith(".egg-info") for p in parts):
        return False
    return True


def _extract(archive: Path, target: Path) -> int:
    """Unpack only the .py files of a wheel or sdist into ``target``; return how many."""
    count = 0
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.is_dir() or not _wanted(info.filename):
                    continue
                out = target / info.filename
                if not out.resolve().is_relative_to(target.resolve()):
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(zf.read(info))
                count += 1
    else:
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                if not member.isfile():
                    continue
                # Drop the leading "<name>-<version>/" of an sdist.
                inner = member.name.split("/", 1)[1] if "/" in member.name else member.name
                if not _wanted(inner):
                    continue
                out = target / inner
                if not out.resolve().is_relative_to(target.resolve()):
                    continue
                src = tf.extractfile(member)
                if src is None:
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(src.read())
                count += 1
    return count


def ensure_project(name: str, version: str, quiet: bool = False) -> Path:
    """Fetch and unpack one pinned project unless it is already there."""
    target = project_dir(name, version)
    if (target / STAMP).exists():
        return target
    if not quiet:
        print(f"fetching {name}=={version} from PyPI ...", file=sys.stderr)
    dl = DOWNLOADS / f"{name}-{version}"
    archive = _pip_download(name, version, dl, binary=True)
    if archive is None:
        archive = _pip_download(name, version, dl, binary=False)
    if archive is None:
        raise RuntimeError(f"could not download {name}=={version} from PyPI")
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=CORPUS_DIR))
    try:
        n = _extract(archive, tmp)
        if n == 0:
            raise RuntimeError(f"{archive.name} holds no .py files")
        (tmp / STAMP).write_text(f"{name}=={version} from {archive.name}\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def ensure_corpus(projects: Sequence[Tuple[str, str]] = PROJECTS, quiet: bool = False) -> List[Path]:
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    return [ensure_project(n, v, quiet=quiet) for n, v in projects]


def project_files(root: Path) -> List[Path]:
    return sorted(p for p in root.rglob("*.py") if p.is_file())


def count_lines(path: Path) -> int:
    data = path.read_bytes()
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _interleave(groups: Iterable[List[Path]]) -> List[Path]:
    """Spread every project evenly over the list (file i of a project with n files sits
    at position ~ (i + 0.5) / n), so that any prefix of it (``--subset``,
    ``--fractions``) is a fair sample of every project, not just of the first one."""
    keyed = []
    for g in groups:
        n = len(g)
        for i, path in enumerate(g):
            keyed.append(((i + 0.5) / n, len(keyed), path))
    keyed.sort(key=lambda t: (t[0], t[1]))
    return [p for _, _, p in keyed]


def corpus_files(
    min_files: int = 2000,
    projects: Sequence[Tuple[str, str]] = PROJECTS,
    download: bool = True,
) -> List[Path]:
    """All .py files of the corpus, absolute paths, in a fixed benchmark order.

    Projects are interleaved proportionally, so the first N files are a representative
    sample. Raises if the corpus holds fewer than ``min_files`` files.
    """
    roots = ensure_corpus(projects, quiet=True) if download else [
        project_dir(n, v) for n, v in projects if (project_dir(n, v) / STAMP).exists()
    ]
    files = _interleave(project_files(r) for r in roots)
    if len(files) < min_files:
        raise RuntimeError(
            f"corpus has {len(files)} .py files, fewer than the {min_files} required; "
            f"add projects to PROJECTS in {__file__}"
        )
    return files


def stats(projects: Sequence[Tuple[str, str]] = PROJECTS) -> List[ProjectStats]:
    out = []
    for name, version in projects:
        root = project_dir(name, version)
        files = project_files(root)
        out.append(ProjectStats(name, version, root, len(files), sum(count_lines(f) for f in files)))
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every file in benchmark order")
    args = parser.parse_args(argv)

    ensure_corpus()
    rows = stats()
    width = max(len(f"{r.name}-{r.version}") for r in rows)
    print(f"{'project':<{width}}  {'files':>7}  {'lines':>10}")
    for r in rows:
        print(f"{r.name + '-' + r.version:<{width}}  {r.files:>7,}  {r.lines:>10,}")
    print(f"{'total':<{width}}  {sum(r.files for r in rows):>7,}  {sum(r.lines for r in rows):>10,}")
    print(f"(in {CORPUS_DIR})")
    if args.list:
        for path in corpus_files(min_files=0, download=False):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
