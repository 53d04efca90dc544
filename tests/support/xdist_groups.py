"""Which test files must share a pytest-xdist worker, and the scheduler that keeps them together.

Files go to the workers whole (a module's fixtures are built once: the grid's chdb child, the
hazard matrix's seeded databases, a private fault server). Files in one group go to the same
worker and so never overlap in time: each group below names what its files share on the
servers that another worker's test would see half-done. Everything else a test touches is its
own: a fresh database (tests/integration/conftest.py new_database), tmp_path, ports from 0, and
private fault servers on ports moved by the worker's number (tests/servers.py).
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

GROUPS: dict[str, tuple[str, ...]] = {
    # Proving a routine makes a cutover_scratch_<hex> database on the source's server; these
    # tests assert that no cutover_scratch_% database is left on the whole server, so another
    # worker's proof in flight would fail them.
    "scratch databases": (
        "tests/integration/test_dbt_counted_loops.py",
        "tests/integration/test_dbt_loops.py",
        "tests/integration/test_dbt_mysql_routines.py",
        "tests/integration/test_dbt_procedures.py",
        "tests/integration/test_dbt_random_stream.py",
        "tests/integration/test_dbt_scalar_loops.py",
        "tests/integration/test_dbt_table_calls.py",
        "tests/integration/test_dbt_translate_only.py",
        "tests/integration/test_procedures_scratch.py",
    ),
    # An eval on a server provisions cutover_eval_<role>_<hex> databases; test_evals_servers
    # asserts the server's whole cutover_eval% list is the same before and after its evals.
    "eval databases": (
        "tests/integration/test_evals_servers.py",
        "tests/integration/test_llm_call_rewrite.py",
        "tests/integration/test_llm_missing_functions.py",
        "tests/integration/test_mysql_source_parity.py",
        "tests/integration/test_parity_postgres_source.py",
    ),
    # The hostile fingerprint (test_source_safety.fingerprint) reads cluster-wide state:
    # pg_db_role_setting, which test_pg_reads' ALTER DATABASE ... SET changes for a moment,
    # and the files /tmp/cutover_pwned*, which the fault suite's hostile run checks too (and
    # a leak in one would fail the other).
    "hostile fingerprint": (
        "tests/integration/test_source_safety.py",
        "tests/integration/test_pg_reads.py",
        "tests/faults/test_hostile_run.py",
    ),
    # On MariaDB a run's sandbox is a database of its own, cutover_<run id>, shared by every
    # run with that id: both run `--run-id r` on a MariaDB target, and the TPC-H one drops it
    # (keep_sandbox = false). The TPC-H pair only runs with CUTOVER_TESTS=full.
    "mariadb sandbox cutover_r": (
        "tests/integration/test_interval_parity.py",
        "tests/integration/test_tpch_pairs.py",
    ),
}
_GROUP_OF = {path: name for name, paths in GROUPS.items() for path in paths}


def scope(nodeid: str) -> str:
    """The work unit of a test: its file, or its file's group."""
    path = nodeid.split("::", 1)[0]
    group = _GROUP_OF.get(path)
    return f"group: {group}" if group else path


class GroupedFileScheduling(LoadScopeScheduling):
    """`--dist loadfile`, with the files of a group in one work unit."""

    def _split_scope(self, nodeid: str) -> str:
        return scope(nodeid)
