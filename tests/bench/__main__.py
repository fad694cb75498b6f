"""Run every benchmark module here (or those named on the command line) and print their tables.

Usage: python -m tests.bench [NAME ...]; a NAME selects the modules whose name starts with it,
so `python -m tests.bench interpreter` runs only interpreter_vs_spiff.
"""

import importlib
import pkgutil
import sys
import time
import traceback

import tests.bench as bench_package


def benchmark_modules() -> list[str]:
    """Names of the benchmark modules in this package, sorted."""
    return sorted(
        info.name for info in pkgutil.iter_modules(bench_package.__path__)
        if not info.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    """Run the selected benchmarks; exit status 1 when any of them failed or nothing matched."""
    available = benchmark_modules()
    selected = [name for name in available if not argv or any(name.startswith(a) for a in argv)]
    if not selected:
        print(f"no benchmark matches {' '.join(argv)}; available: {', '.join(available)}")
        return 1
    failed = []
    for name in selected:
        print(f"== {name}")
        began = time.perf_counter()
        try:
            importlib.import_module(f"{bench_package.__name__}.{name}").main()
        except Exception:
            # One broken benchmark must not hide the others' figures; it still fails the run.
            traceback.print_exc()
            failed.append(name)
        print(f"== {name}: {time.perf_counter() - began:.1f} s\n")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
