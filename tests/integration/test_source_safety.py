"""The source is read-only, and each safety layer holds on its own (DESIGN §7).

Every hostile statement in tests/fixtures/hostile/<engine>.sql runs against a real server in
three configurations:
- all:     the adapter's source read path (guard + read-only session), as a run uses it;
- guard:   tools.guard.check_read_only alone — the statement runs on a plain read-write
           connection (multi-statements allowed) whenever the guard lets it pass;
- session: the adapter's read-only session alone — the guard is bypassed.
After each, the database must be unchanged: row counts, content checksums, sequences, the
catalog (tables, views, columns, routines, grants, roles/users) and no file written.
"""

from __future__ import annotations

import functools
import glob
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.integration.conftest import drop_database, new_database, sandbox_for
from tests.support.fault_tally import count_hostile
from tools import guard
from tools.db.base import Adapter
from tools.db.registry import adapter_class, open_adapter
from tools.errors import CutoverError, GuardRefused, SandboxViolation

pytestmark = pytest.mark.integration

HOSTILE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
SEPARATOR = "-- ----"
# Hostile statements that write files aim here; nothing may appear.
CANARY_GLOB = "/tmp/cutover_pwned*"
ADAPTER_TIMEOUT_S = 3.0


GAP_LINE = re.compile(r"^--\s*known-gap\((\w+)\):\s*(.*)$")


@dataclass
class Hostile:
    sql: str
    gaps: dict[str, str]
    """layer -> why that layer alone is known not to hold for this statement."""


def load_corpus(engine: str) -> list[Hostile]:
    """Entries of a hostile corpus file; the text before the first separator is its header."""
    text = (HOSTILE_DIR / f"{engine}.sql").read_text(encoding="utf-8")
    chunks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.rstrip() == SEPARATOR:
            chunks.append([])
        else:
            chunks[-1].append(line)
    entries = []
    for chunk in chunks[1:]:
        gaps = {m[1]: m[2] for m in map(GAP_LINE.match, chunk) if m}
        sql = "\n".join(line for line in chunk if not GAP_LINE.match(line)).strip()
        if sql:
            entries.append(Hostile(sql, gaps))
    return entries


def _case_id(index: int, sql: str) -> str:
    return f"{index:03d}-" + re.sub(r"[^A-Za-z0-9]+", "_", sql)[:40].strip("_")


# ---------------------------------------------------------------- per-engine data
SEED = {
    "postgres": [
        "CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, "
        "balance numeric(12,2))",
        "CREATE TABLE events (id bigserial PRIMARY KEY, account_id integer REFERENCES "
        "accounts (id), kind text, at timestamptz DEFAULT '2024-01-01')",
        "INSERT INTO accounts VALUES (1, 'alice', 100.50), (2, 'bob', -3.25), (3, 'carol', 0)",
        "INSERT INTO events (account_id, kind) VALUES (1, 'open'), (2, 'open'), (1, 'deposit')",
        "CREATE SEQUENCE ticket_seq",
        "SELECT nextval('ticket_seq')",
        "CREATE VIEW rich_accounts AS SELECT * FROM accounts WHERE balance > 50",
        "CREATE FUNCTION touch_account(i integer) RETURNS integer LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE accounts SET owner = 'mallory' WHERE id = i; RETURN i; END $$",
    ],
    "mysql": [
        "CREATE TABLE accounts (id INT PRIMARY KEY, owner VARCHAR(50) NOT NULL, "
        "balance DECIMAL(12,2))",
        "CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, account_id INT, "
        "kind VARCHAR(20), at DATETIME DEFAULT '2024-01-01')",
        "INSERT INTO accounts VALUES (1, 'alice', 100.50), (2, 'bob', -3.25), (3, 'carol', 0)",
        "INSERT INTO events (account_id, kind) VALUES (1, 'open'), (2, 'open'), (1, 'deposit')",
        # NOCACHE: every NEXTVAL is written to the sequence table, so the check below sees it.
        "CREATE SEQUENCE ticket_seq NOCACHE",
        "CREATE VIEW rich_accounts AS SELECT * FROM accounts WHERE balance > 50",
        "CREATE PROCEDURE wipe_accounts() BEGIN DELETE FROM accounts; END",
        "CREATE FUNCTION touch_account(i INT) RETURNS INT MODIFIES SQL DATA BEGIN "
        "UPDATE accounts SET owner = 'mallory' WHERE id = i; RETURN i; END",
    ],
}

# Catalog queries whose results must not change; {db} is the database name.
CATALOG = {
    "postgres": {
        "relations": "SELECT n.nspname, c.relname, c.relkind, c.relacl::text FROM pg_class c "
                     "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN "
                     "('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2",
        "columns": "SELECT table_name, column_name, data_type FROM information_schema.columns "
                   "WHERE table_schema = 'public' ORDER BY 1, 2",
        "schemas": "SELECT nspname FROM pg_namespace ORDER BY 1",
        "routines": "SELECT proname, md5(prosrc) FROM pg_proc p JOIN pg_namespace n "
                    "ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1",
        "roles": "SELECT rolname, rolsuper, rolcreaterole FROM pg_roles ORDER BY 1",
        # a persistent slot holds WAL (can fill the disk); a stats reset loses monitoring
        "slots": "SELECT slot_name FROM pg_replication_slots ORDER BY 1",
        "stats_reset": "SELECT stats_reset::text FROM pg_stat_database "
                       "WHERE datname = current_database()",
        "settings": "SELECT setdatabase, setrole, setconfig::text FROM pg_db_role_setting "
                    "ORDER BY 1, 2",
        "large_objects": "SELECT count(*) FROM pg_largeobject_metadata",
        "comments": "SELECT objoid::regclass::text, description FROM pg_description "
                    "WHERE classoid = 'pg_class'::regclass ORDER BY 1",
        "extensions": "SELECT extname FROM pg_extension ORDER BY 1",
    },
    "mysql": {
        "tables": "SELECT table_name, table_type, auto_increment FROM information_schema.tables "
                  "WHERE table_schema = '{db}' ORDER BY 1",
        "columns": "SELECT table_name, column_name, column_type FROM information_schema.columns "
                   "WHERE table_schema = '{db}' ORDER BY 1, 2",
        "views": "SELECT table_name, view_definition FROM information_schema.views "
                 "WHERE table_schema = '{db}' ORDER BY 1",
        "routines": "SELECT routine_name, routine_definition FROM information_schema.routines "
                    "WHERE routine_schema = '{db}' ORDER BY 1",
        "triggers": "SELECT trigger_name FROM information_schema.triggers "
                    "WHERE trigger_schema = '{db}' ORDER BY 1",
        "events": "SELECT event_name FROM information_schema.events "
                  "WHERE event_schema = '{db}' ORDER BY 1",
        # Only names a hostile entry could make or drop: other tests share the server.
        "databases": "SELECT schema_name FROM information_schema.schemata WHERE schema_name "
                     "LIKE 'pwned%' OR schema_name = '{db}' ORDER BY 1",
        "users": "SELECT user, host FROM mysql.user ORDER BY 1, 2",
        "grants": "SELECT grantee, privilege_type FROM information_schema.user_privileges "
                  "ORDER BY 1, 2",
        "sequence": "SELECT * FROM ticket_seq",
    },
}

# The data itself: every base table's row count and a checksum of its content.
TABLE_LIST = {
    "postgres": "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
    "mysql": "SELECT table_name FROM information_schema.tables WHERE table_schema = '{db}' "
             "AND table_type = 'BASE TABLE' ORDER BY 1",
}
TABLE_CONTENT = {
    "postgres": ['SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), '
                 '\'\')) FROM "{table}" t'],
    "mysql": ["SELECT COUNT(*) FROM `{table}`", "CHECKSUM TABLE `{table}`"],
}
SEQUENCES = {
    "postgres": "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY 1",
    "mysql": None,  # a MariaDB sequence is a table: covered by CATALOG["mysql"]["sequence"]
}
# Globals a damaging statement could leave behind on the server (not inside the database).
CLEANUP = {
    "postgres": ["DROP ROLE IF EXISTS pwned"],
    "mysql": ["DROP USER IF EXISTS 'pwned'@'%'", "DROP DATABASE IF EXISTS pwned_db"],
}


# ---------------------------------------------------------------- plain connections
def _pg_connect(url: str) -> Any:
    import psycopg

    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                           dbname=u.database, autocommit=True, connect_timeout=10)


def _mysql_connect(url: str, multi: bool = False) -> Any:
    import pymysql
    from pymysql.constants import CLIENT

    u = make_url(url)
    return pymysql.connect(host=u.host, port=u.port, user=u.username, password=u.password or "",
                           database=u.database, autocommit=True, charset="utf8mb4",
                           client_flag=CLIENT.MULTI_STATEMENTS if multi else 0)


def _connect(engine: str, url: str) -> Any:
    return _pg_connect(url) if engine == "postgres" else _mysql_connect(url)


def _query(con: Any, sql: str) -> list[tuple[Any, ...]]:
    """One catalog/fingerprint query (autocommit); an error becomes part of the value."""
    try:
        cur = con.cursor()
        cur.execute(sql)
        return [tuple(str(v) for v in row) for row in cur.fetchall()]
    except Exception as exc:  # a dropped table is a difference, not a crash of the check
        return [("error", type(exc).__name__, str(exc).splitlines()[0])]


def fingerprint(engine: str, url: str) -> dict[str, Any]:
    db = make_url(url).database
    con = _connect(engine, url)
    try:
        out: dict[str, Any] = {name: _query(con, sql.format(db=db))
                               for name, sql in CATALOG[engine].items()}
        for (table,) in _query(con, TABLE_LIST[engine].format(db=db)):
            out[f"table:{table}"] = [_query(con, sql.format(table=table))
                                     for sql in TABLE_CONTENT[engine]]
        if SEQUENCES[engine]:
            for (seq,) in _query(con, SEQUENCES[engine]):
                out[f"sequence:{seq}"] = _query(con, f'SELECT last_value, is_called FROM "{seq}"')
    finally:
        con.close()
    out["files"] = sorted(glob.glob(CANARY_GLOB))
    return out


# ---------------------------------------------------------------- the seeded database
@dataclass
class HostileDb:
    """One seeded database per engine, re-created only when a statement got through."""

    engine: str
    server_url: str
    url: str = ""
    baseline: dict[str, Any] = field(default_factory=dict)

    def create(self) -> None:
        self.url = new_database(self.server_url)
        if self.engine == "postgres":
            with _pg_connect(self.url) as con:
                for stmt in SEED["postgres"]:
                    con.execute(stmt)
        else:
            con = _mysql_connect(self.url)
            try:
                for stmt in SEED["mysql"]:
                    con.cursor().execute(stmt)
            finally:
                con.close()
        self.baseline = fingerprint(self.engine, self.url)

    def reset(self) -> None:
        self.drop()
        con = _connect(self.engine, self.server_url)
        try:
            for stmt in CLEANUP[self.engine]:
                _query(con, stmt)
        finally:
            con.close()
        for path in glob.glob(CANARY_GLOB):
            Path(path).unlink(missing_ok=True)
        self.create()

    def drop(self) -> None:
        if self.url:
            drop_database(self.server_url, self.url)


def _hostile_db(engine: str, server_url: str) -> Iterator[HostileDb]:
    db = HostileDb(engine, server_url)
    db.create()
    assert db.baseline["files"] == [], f"canary files exist before the test: {CANARY_GLOB}"
    broken = [k for k, v in db.baseline.items() if "'error'" in str(v)]
    assert not broken, f"the fingerprint itself fails on {engine}: {broken}"
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture(scope="module")
def hostile_postgres(pg_url: str) -> Iterator[HostileDb]:
    yield from _hostile_db("postgres", pg_url)


@pytest.fixture(scope="module")
def hostile_mysql(mysql_url: str) -> Iterator[HostileDb]:
    yield from _hostile_db("mysql", mysql_url)


# ---------------------------------------------------------------- the three configurations
def _driver_errors(engine: str) -> tuple[type[BaseException], ...]:
    if engine == "postgres":
        import psycopg

        return (psycopg.Error,)
    import pymysql

    return (pymysql.Error,)


def run_all_layers(engine: str, url: str, sql: str) -> str:
    adapter = open_adapter(url, "source", timeout_s=ADAPTER_TIMEOUT_S)
    try:
        adapter.read_arrow(sql)
        return "ran"
    except CutoverError as exc:
        return f"refused: {exc.kind}"
    finally:
        adapter.close()


def run_guard_only(engine: str, url: str, sql: str) -> str:
    try:
        guard.check_read_only(sql, adapter_class(url).DIALECT)
    except GuardRefused:
        return "refused: guard"
    # The guard let it through: run it with nothing else in the way — a read-write
    # autocommit connection that accepts several statements at once. (A timeout bounds a
    # runaway sleep; it protects the test run, not the data.)
    if engine == "postgres":
        with _pg_connect(url) as con:
            con.execute("SET statement_timeout = '5s'")
            try:
                con.execute(sql)
            except _driver_errors(engine):
                return "ran: error"
        return "ran"
    con = _mysql_connect(url, multi=True)
    try:
        cur = con.cursor()
        cur.execute("SET SESSION max_statement_time = 5")
        cur.execute(sql)
        while cur.nextset():
            pass
        return "ran"
    except _driver_errors(engine):
        return "ran: error"
    finally:
        con.close()


def run_session_only(engine: str, url: str, sql: str) -> str:
    """The adapter's read-only session with the guard bypassed: `_read_batches` is exactly
    what `read_batches` runs once the guard has passed."""
    adapter: Adapter = open_adapter(url, "source", timeout_s=ADAPTER_TIMEOUT_S)
    try:
        list(adapter._read_batches(sql, 100))
        return "ran"
    except _driver_errors(engine):
        return "ran: error"
    finally:
        try:
            adapter.close()
        except _driver_errors(engine):
            pass  # e.g. the statement terminated its own backend


CONFIGS: dict[str, Callable[[str, str, str], str]] = {
    "all": run_all_layers, "guard": run_guard_only, "session": run_session_only,
}


def _check(db: HostileDb, config: str, sql: str) -> None:
    outcome = CONFIGS[config](db.engine, db.url, sql)
    after = fingerprint(db.engine, db.url)
    count_hostile(config, after != db.baseline, known_gap=config in _gaps(db.engine, sql))
    if after != db.baseline:
        changed = sorted(k for k in set(after) | set(db.baseline)
                         if after.get(k) != db.baseline.get(k))
        db.reset()
        pytest.fail(f"{db.engine} [{config}] hostile statement changed {changed} "
                    f"(outcome: {outcome}):\n{sql}")


@functools.cache
def _corpus_gaps(engine: str) -> dict[str, dict[str, str]]:
    return {entry.sql: entry.gaps for entry in load_corpus(engine)}


def _gaps(engine: str, sql: str) -> dict[str, str]:
    """layer -> the known gap the corpus names for this statement."""
    return _corpus_gaps(engine).get(sql, {})


def _cases(engine: str) -> list[Any]:
    cases = []
    for config in CONFIGS:
        for i, entry in enumerate(load_corpus(engine)):
            gap = entry.gaps.get(config)
            # strict: once the layer is fixed the case passes, fails as XPASS, and the
            # known-gap line must go.
            marks = [pytest.mark.xfail(strict=True, reason=f"known gap: {gap}")] if gap else []
            cases.append(pytest.param(config, entry.sql, marks=marks,
                                      id=f"{config}-{_case_id(i, entry.sql)}"))
    return cases


# ---------------------------------------------------------------- the tests
def test_corpus_is_large_enough() -> None:
    for engine in ("postgres", "mysql"):
        entries = load_corpus(engine)
        assert len(entries) >= 60, f"{engine}: only {len(entries)} hostile statements"
        assert all(set(e.gaps) <= set(CONFIGS) - {"all"} for e in entries), \
            "every layer together must always hold: no known gap for 'all'"


@pytest.mark.parametrize(("config", "sql"), _cases("postgres"))
def test_postgres_source_stays_unchanged(hostile_postgres: HostileDb, config: str,
                                         sql: str) -> None:
    _check(hostile_postgres, config, sql)


@pytest.mark.parametrize(("config", "sql"), _cases("mysql"))
def test_mysql_source_stays_unchanged(hostile_mysql: HostileDb, config: str, sql: str) -> None:
    _check(hostile_mysql, config, sql)


# ---------------------------------------------------------------- target sandbox
OUTSIDE_SANDBOX = {
    "postgres": [
        "CREATE TABLE public.x (a integer)",
        "CREATE TABLE x (a integer)",
        "DROP TABLE public.accounts",
        "INSERT INTO public.accounts VALUES (9, 'mallory', 0)",
        "UPDATE accounts SET balance = 0",
        "DELETE FROM public.accounts",
        "TRUNCATE public.accounts",
        "ALTER TABLE public.accounts ADD COLUMN pwned integer",
        "CREATE VIEW public.v AS SELECT 1 AS a",
        "DROP SCHEMA public CASCADE",
        "CREATE SCHEMA pwned",
        "GRANT ALL ON public.accounts TO PUBLIC",
        "DO $$ BEGIN DELETE FROM public.accounts; END $$",
        "SELECT 1; DROP TABLE public.accounts",
        # The body of a write inside the sandbox is read whole, CTEs included.
        "CREATE TABLE {sb}.x AS WITH d AS (DELETE FROM public.accounts RETURNING *) "
        "SELECT * FROM d",
        "CREATE TABLE {sb}.x AS WITH u AS (UPDATE accounts SET balance = 0 RETURNING id) "
        "SELECT id FROM u",
        "CREATE TABLE {sb}.x AS SELECT nextval('ticket_seq') AS n",
        "INSERT INTO {sb}.inside SELECT nextval('ticket_seq')",
        "INSERT INTO {sb}.inside WITH d AS (DELETE FROM accounts RETURNING id) SELECT id FROM d",
        "CREATE TABLE {sb}.x AS SELECT touch_account(1) AS t",
        "CREATE VIEW {sb}.v AS SELECT pg_read_file('/etc/hostname') AS t",
        "CREATE TABLE {sb}.x AS SELECT query_to_xml('DELETE FROM accounts', true, true, '')",
        "CREATE TABLE {sb}.x AS SELECT * FROM "
        "pg_create_logical_replication_slot('cutover_pwned', 'test_decoding')",
        "UPDATE {sb}.inside SET a = (SELECT touch_account(1))",
        "CREATE FUNCTION {sb}.f() RETURNS int AS 'DELETE FROM public.accounts; SELECT 1' "
        "LANGUAGE sql",
        "SET ROLE postgres",
        "SET SESSION AUTHORIZATION postgres",
    ],
    "mysql": [
        "CREATE TABLE `{db}`.x (a INT)",
        "CREATE TABLE x (a INT)",
        "DROP TABLE `{db}`.accounts",
        "INSERT INTO `{db}`.accounts VALUES (9, 'mallory', 0)",
        "UPDATE `{db}`.accounts SET balance = 0",
        "DELETE FROM `{db}`.accounts",
        "TRUNCATE TABLE `{db}`.accounts",
        "REPLACE INTO `{db}`.accounts VALUES (1, 'mallory', 0)",
        "ALTER TABLE `{db}`.accounts ADD COLUMN pwned INT",
        "CREATE VIEW `{db}`.v AS SELECT 1 AS a",
        "DROP DATABASE `{db}`",
        "CREATE DATABASE pwned_db",
        "RENAME TABLE `{db}`.accounts TO `{db}`.accounts_old",
        "CALL `{db}`.wipe_accounts()",
        "CREATE TABLE {sb}.x AS SELECT load_file('/etc/hostname') AS t",
        "INSERT INTO {sb}.inside SELECT get_lock('cutover_pwned', 1)",
        "CREATE TABLE {sb}.x AS SELECT * FROM `{db}`.accounts FOR UPDATE",
        "CREATE TABLE {sb}.x AS SELECT sleep(5) AS s",
    ],
}


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_target_writes_outside_the_sandbox_are_refused(
        engine: str, request: pytest.FixtureRequest) -> None:
    db: HostileDb = request.getfixturevalue(f"hostile_{engine}")
    target = open_adapter(db.url, "target")
    try:
        target.create_sandbox(sandbox_for(db.url))
        target.create_table("inside", [{"name": "a", "canonical": "int"}])  # allowed
        sandbox = target.quote(sandbox_for(db.url))
        for template in OUTSIDE_SANDBOX[engine]:
            sql = template.format(db=make_url(db.url).database, sb=sandbox)
            with pytest.raises(SandboxViolation):
                target.execute(sql)
        target.drop_sandbox(sandbox_for(db.url))
    finally:
        target.close()
    assert fingerprint(engine, db.url) == db.baseline


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_source_role_refuses_every_write(engine: str, request: pytest.FixtureRequest) -> None:
    db: HostileDb = request.getfixturevalue(f"hostile_{engine}")
    source = open_adapter(db.url, "source")
    try:
        with pytest.raises(SandboxViolation):
            source.execute("CREATE TABLE x (a INT)")
        with pytest.raises(SandboxViolation):
            source.create_table("x", [{"name": "a", "canonical": "int"}])
        with pytest.raises(SandboxViolation):
            import pyarrow as pa

            source.append_arrow("accounts", pa.record_batch({"id": [9]}))
    finally:
        source.close()
    assert fingerprint(engine, db.url) == db.baseline


TARGET_READS = {
    # A candidate is read on the target: an LLM's `SELECT` must not reach files, URLs,
    # side-effect functions or SQL text run inside a function either.
    "postgres": [
        "SELECT pg_read_file('/etc/hostname')",
        "SELECT * FROM pg_ls_dir('.') AS f",
        "SELECT query_to_xml('SELECT 1', true, true, '')",
        "SELECT nextval('ticket_seq')",
        "SELECT touch_account(1)",
        "SELECT pg_stat_reset()",
        "WITH d AS (DELETE FROM accounts RETURNING id) SELECT id FROM d",
    ],
    "mysql": [
        "SELECT load_file('/etc/hostname')",
        "SELECT get_lock('cutover_pwned', 1)",
        "SELECT * FROM accounts FOR UPDATE",
        "SELECT sleep(5)",
    ],
}


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_target_reads_refuse_files_and_side_effects(
        engine: str, request: pytest.FixtureRequest) -> None:
    db: HostileDb = request.getfixturevalue(f"hostile_{engine}")
    target = open_adapter(db.url, "target")
    try:
        for sql in TARGET_READS[engine]:
            with pytest.raises(GuardRefused):
                target.read_arrow(sql)
            with pytest.raises(GuardRefused):
                target.explain(sql)
        assert target.read_arrow("SELECT COUNT(*) AS n FROM accounts").num_rows == 1
    finally:
        target.close()
    assert fingerprint(engine, db.url) == db.baseline
