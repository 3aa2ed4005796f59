"""The long fuzz run: 10,000 generated and mutated programs through the static checker and its fixes.

``tests/test_fuzz.py`` runs a few hundred of the same cases in CI; this runs many
more and, instead of stopping at the first failure, counts them and prints one
reproducer per distinct failure (the first line of the assertion or exception),
so one run surveys every kind of bug it met.

    .venv/bin/python benchmarks/fuzz.py                 # 10,000 cases, mixed as below
    .venv/bin/python benchmarks/fuzz.py -n 500 --seed 1 # a quick one, reproducible
    .venv/bin/python benchmarks/fuzz.py --save /tmp/fuzz-failures   # also write each reproducer

Cases, in proportions of ``-n``: 20% hypothesmith programs, 10% generated code spliced
into real scripts, 50% mutated scripts and rule examples (check properties), 20%
mutated fixable examples and scripts (fix properties). Exit status 1 when any failed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fuzz_support as fz  # noqa: E402  (the strategies and properties the tests use)

# hypothesmith compiles each program it makes; the compiler's "perhaps you missed a comma?" is noise here.
warnings.filterwarnings("ignore", category=SyntaxWarning)


def _fix_sources() -> tuple[str, ...]:
    return tuple(snippet for _, snippet, _ in fz.fixable_examples()) + fz.script_seeds()


KINDS: tuple[tuple[str, float, Callable[[], st.SearchStrategy[str]], Callable[[str], object]], ...] = (
    ("hypothesmith", 0.2, fz.generated_programs, fz.assert_checks_cleanly),
    ("spliced", 0.1, fz.spliced_programs, fz.assert_checks_cleanly),
    ("mutated", 0.5, fz.mutated_scripts, fz.assert_checks_cleanly),
    ("fixes", 0.2, lambda: fz.mutated_scripts(_fix_sources(), max_mutations=2), fz.assert_fixes_are_sound),
)


class Tally:
    def __init__(self, save: Path | None) -> None:
        self.ran: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.kinds: dict[str, tuple[str, str]] = {}  # failure signature -> (case kind, smallest reproducer)
        self.save = save

    def record(self, kind: str, text: str, error: BaseException) -> None:
        self.failed[kind] += 1
        lines = str(error).strip().splitlines()
        where = traceback.extract_tb(error.__traceback__)[-1]
        signature = f"{type(error).__name__}: {lines[0][:160] if lines else ''} ({Path(where.filename).name}:{where.lineno})"
        signature = signature if isinstance(error, AssertionError) else f"{signature} [raised]"
        known = self.kinds.get(signature)
        if known is None or len(text) < len(known[1]):
            self.kinds[signature] = (kind, text)


def run_kind(name: str, strategy: st.SearchStrategy[str], prop: Callable[[str], object], count: int, tally: Tally,
             random_seed: int) -> None:
    @seed(random_seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def case(text: str) -> None:
        tally.ran[name] += 1
        try:
            prop(text)
        except Exception as error:  # noqa: BLE001 - counted and reported, the run goes on
            tally.record(name, text, error)

    case()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--cases", type=int, default=10_000, help="how many cases in all (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--save", type=Path, help="write each failure's smallest reproducer into this folder")
    args = parser.parse_args(argv)
    tally = Tally(args.save)
    started = time.perf_counter()
    for name, share, strategy, prop in KINDS:
        count = max(1, round(args.cases * share))
        begun = time.perf_counter()
        run_kind(name, strategy(), prop, count, tally, args.seed)
        print(f"{name:<13} ran {tally.ran[name]:>6,}  failed {tally.failed[name]:>5,}  "
              f"({time.perf_counter() - begun:,.0f} s)", flush=True)
    ran, failed = sum(tally.ran.values()), sum(tally.failed.values())
    print(f"\nran {ran:,} cases in {time.perf_counter() - started:,.0f} s; failed {failed:,}; "
          f"{len(tally.kinds)} distinct failure{'s' * (len(tally.kinds) != 1)}")
    for number, (signature, (kind, text)) in enumerate(sorted(tally.kinds.items()), 1):
        print(f"\n[{number}] ({kind}) {signature}\n--- smallest reproducer ({len(text)} chars):\n{text[:1500]!r}")
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"failure_{number}.py").write_text(text, encoding="utf-8", errors="surrogatepass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
