"""Run every benchmark in bench/ (files named *_bench.py), one process each.

Results are printed; bench/README.md records the numbers measured on the
development machine (2 cores) and what each benchmark measures.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("*_bench.py")):
        print(f"== {script.name}", flush=True)
        failures += subprocess.call([sys.executable, str(script), *sys.argv[1:]]) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
