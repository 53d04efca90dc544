"""Redaction speed on adversarial inputs (issue 9: the old URL-password regex was quadratic,
~40 s per 100k alphanumeric characters). Prints seconds and MB/s per input shape; every shape
must stay linear: the 20 MB reply and the 1 MB ones run at comparable MB/s.

    .venv/bin/python benchmarks/redact_bench.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.secrets import Redactor  # noqa: E402

SHAPES = {
    "hex value 128 KB": "ab12" * 32_768,
    "alphanumeric 1 MB": "a" * 1_000_000,
    "dotted 1 MB": "a." * 500_000,
    "schemes 1 MB": "a://" * 250_000,
    "user:pw 1.2 MB": "a://b:" * 200_000,
    "sk- 0.9 MB": "sk-" * 300_000,
    "password words 0.9 MB": "password " * 100_000,
    "real URLs 1.2 MB": "postgresql://u:pw@h/db " * 50_000,
    "LLM reply 20 MB": "x9" * 10_000_000,
}


def main() -> None:
    redactor = Redactor(["a-registered-secret"])
    print(f"{'input':<24} {'MB':>6} {'seconds':>8} {'MB/s':>8}")
    for name, text in SHAPES.items():
        start = time.perf_counter()
        redactor.text(text)
        seconds = time.perf_counter() - start
        mb = len(text) / 1e6
        print(f"{name:<24} {mb:>6.2f} {seconds:>8.3f} {mb / max(seconds, 1e-9):>8.1f}")


if __name__ == "__main__":
    main()
