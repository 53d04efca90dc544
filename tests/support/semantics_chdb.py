"""Run semantics grid jobs on chdb in a process of its own (chdb holds one server per process).

    echo '[[setup statements], query], ...' | python -m tests.support.semantics_chdb

Prints one JSON line: per job the list of `v` values, or the error text.
"""

from __future__ import annotations

import json
import sys


def _number(value: object) -> object:
    # inf and nan come back quoted (JSON has no spelling for them)
    return float(value) if value in ("inf", "-inf", "nan", "+inf", "-nan") else value


def main() -> None:
    from chdb import session

    jobs = json.loads(sys.stdin.read())
    sess = session.Session()
    settings = " SETTINGS output_format_json_quote_64bit_integers = 0, " \
               "output_format_json_quote_decimals = 0, output_format_json_quote_denormals = 1"
    results: list[object] = []
    for setup, query in jobs:
        try:
            for stmt in setup:
                sess.query(stmt)
            text = sess.query(query + settings, "JSONCompact").bytes().decode()
            results.append([_number(row[1]) for row in json.loads(text)["data"]])
        except Exception as exc:  # noqa: BLE001 -- reported to the parent as the job's result
            results.append(f"error: {str(exc).splitlines()[0][:300]}")
    sess.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
