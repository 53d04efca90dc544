"""The push-down algorithm: when one engine can see both sides (two schemas in one PostgreSQL
database, two databases on one MariaDB/MySQL server, two SQLite files attached read-only), that
engine finds the keys whose rows differ in one statement, and only those rows leave it.

The statement joins the sides on the key (a primary key on both: one row per key, so a join
pairs rows exactly) and keeps the keys whose columns are not all equal by the engine's own
null-safe comparison, plus the keys on one side only. Text is compared byte for byte
(MariaDB's collations ignore case and trailing spaces, SQLite's NOCASE ignores case): the
engine may call unequal what compare() calls equal (1.50 vs 1.5, float noise within
tolerance), never the reverse, so the rows it lists are a superset of the differing ones. Those
rows are fetched from both sides and judged by compare(); every other row is an equal pair.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pyarrow as pa

from tools.db.base import Adapter
from tools.diff.inputs import Input, table_sql
from tools.diff.normalise import TEXT, plan_columns
from tools.records import Tolerance

MAX_KEYS = 200_000
"""More differing keys than this: fetching them by key costs more than streaming both sides."""
FETCH_CHUNK = 5_000
SQLITE_TARGET = "cutover_target"


@dataclass
class Place:
    """How one engine sees both sides: the target query as the source engine reads it, and
    for two SQLite files, the files (the statement runs on a connection attaching both)."""

    target_sql: str
    sqlite_files: tuple[str, str] | None = None
    key: list[str] | None = None


def _url_parts(url: str) -> tuple[str | None, int | None, str | None, str | None]:
    from sqlalchemy.engine import make_url  # only server URLs get here

    u = make_url(url)
    return u.host, u.port, u.username, u.database


def place(src: Adapter, tgt: Adapter, a: Input, b: Input, key: list[str] | None,
          columns: list[str] | None, where: str | None) -> tuple[Place | None, str]:
    """Where the diff can be pushed down, or (None, why not); Place.key is the key used."""
    if type(src) is not type(tgt) or src.DIALECT not in ("postgres", "mysql", "sqlite"):
        return None, "the sides are on different engines"
    pk_a, pk_b = primary_key(src, a), primary_key(tgt, b)
    key = key or pk_a
    if not key or not _is_primary_key(key, pk_a) or not _is_primary_key(key, pk_b):
        return None, "the key is not the primary key of both tables"
    if src.DIALECT == "sqlite":
        from tools.db.urls import file_path

        if not (b.table and len(b.table) == 1):
            return None, "the target is a query, which cannot be read from another file"
        s_file, t_file = file_path(src.url), file_path(tgt.url)
        if s_file is None or t_file is None:
            return None, "an in-memory SQLite database"
        name = f"{SQLITE_TARGET}.{tgt.quote(b.table[0])}"
        return (Place(table_sql(tgt, name, columns, where), (s_file, t_file), key),
                "two SQLite files attached")
    s_host, s_port, s_user, s_db = _url_parts(src.url)
    t_host, t_port, t_user, t_db = _url_parts(tgt.url)
    if (s_host, s_port, s_user) != (t_host, t_port, t_user):
        return None, "the sides are on different servers or read as different users"
    if s_db == t_db:
        return Place(b.sql, None, key), "both sides in one database"
    if src.DIALECT == "postgres":
        return None, "two PostgreSQL databases (one statement cannot read both)"
    if not (b.table and len(b.table) == 1):
        return None, "the target is a query in another database"
    name = f"{tgt.quote(t_db or '')}.{tgt.quote(b.table[0])}"
    return Place(table_sql(tgt, name, columns, where), None, key), "two databases on one server"


def _is_primary_key(key: list[str], pk: list[str]) -> bool:
    return sorted(k.lower() for k in key) == sorted(k.lower() for k in pk)


def primary_key(adapter: Adapter, side: Input) -> list[str]:
    """The side's primary key: the catalog's, or for a schema-qualified table (which the
    catalog of the default schema does not list) information_schema's."""
    if side.primary_key or not side.table or len(side.table) != 2:
        return side.primary_key
    if adapter.DIALECT not in ("postgres", "mysql"):
        return []
    schema, table = (v.replace("'", "''") for v in side.table)
    found = adapter.read_arrow(
        "SELECT k.column_name AS c FROM information_schema.table_constraints c "
        "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
        "AND k.table_schema = c.table_schema AND k.table_name = c.table_name "
        f"WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = '{schema}' "
        f"AND c.table_name = '{table}' ORDER BY k.ordinal_position")
    return [str(v) for v in found.column(0).to_pylist()]


def _equal(dialect: str, s: str, t: str, text: bool) -> str:
    """Null-safe equality that never calls two different values equal."""
    if dialect == "mysql":
        return f"(CAST({s} AS BINARY) <=> CAST({t} AS BINARY))" if text else f"({s} <=> {t})"
    if dialect == "sqlite":
        return f"({s} IS {t} COLLATE BINARY)" if text else f"({s} IS {t})"
    return f"({s} IS NOT DISTINCT FROM {t})"


def differing_keys_sql(adapter: Adapter, s_sql: str, t_sql: str, key: list[tuple[str, str]],
                       columns: list[tuple[str, str, bool]]) -> str:
    """Keys whose rows differ or exist on one side. `key`: (source name, target name);
    `columns`: (source name, target name, is text) of the non-key columns on both sides."""
    q = adapter.quote
    on = " AND ".join(f"s.{q(sk)} = t.{q(tk)}" for sk, tk in key)
    same = " AND ".join(_equal(adapter.DIALECT, f"s.{q(sc)}", f"t.{q(tc)}", text)
                        for sc, tc, text in columns) or "1 = 1"
    s_keys = ", ".join(f"s.{q(sk)} AS k{i}" for i, (sk, _) in enumerate(key))
    t_keys = ", ".join(f"t.{q(tk)} AS k{i}" for i, (_, tk) in enumerate(key))
    absent = f"t.{q(key[0][1])} IS NULL"
    # One join pass on PostgreSQL. MariaDB has no FULL JOIN, and SQLite's does not flatten
    # subqueries (it would loop over one side per row of the other): a left join and an
    # anti-join, each served by the primary key, there.
    if adapter.DIALECT == "postgres":
        both = ", ".join(f"COALESCE(s.{q(sk)}, t.{q(tk)}) AS k{i}"
                         for i, (sk, tk) in enumerate(key))
        return (f"SELECT {both} FROM ({s_sql}) s FULL JOIN ({t_sql}) t ON {on} "
                f"WHERE {absent} OR s.{q(key[0][0])} IS NULL OR NOT ({same})")
    return (f"SELECT {s_keys} FROM ({s_sql}) s LEFT JOIN ({t_sql}) t ON {on} "
            f"WHERE {absent} OR NOT ({same}) "
            f"UNION ALL SELECT {t_keys} FROM ({t_sql}) t "
            f"WHERE NOT EXISTS (SELECT 1 FROM ({s_sql}) s WHERE {on})")


def _literal(dialect: str, value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value.replace("'", "''")
        if dialect == "mysql":  # backslash escapes in MySQL's default sql_mode
            text = text.replace("\\", "\\\\")
        return f"'{text}'"
    return None


def key_filters(dialect: str, adapter: Adapter, names: list[str], keys: pa.Table
                ) -> list[str] | None:
    """WHERE conditions selecting the given keys, a chunk each; None when a key value has no
    safe literal (only integers and text are written out)."""
    rows = list(zip(*(keys.column(i).to_pylist() for i in range(keys.num_columns)),
                    strict=True))
    cols = [f"q.{adapter.quote(n)}" for n in names]
    out = []
    for start in range(0, len(rows), FETCH_CHUNK):
        items = []
        for row in rows[start:start + FETCH_CHUNK]:
            lits = [lit for lit in (_literal(dialect, v) for v in row) if lit is not None]
            if len(lits) != len(row):
                return None
            items.append(lits[0] if len(lits) == 1 else f"({', '.join(lits)})")
        lhs = cols[0] if len(cols) == 1 else f"({', '.join(cols)})"
        out.append(f"{lhs} IN ({', '.join(items)})")
    return out


def _run_sqlite(files: tuple[str, str], sql: str) -> pa.Table:
    """A statement on a private connection that opens both files read-only."""
    from tools import guard

    guard.check_read_only(sql, "sqlite", side="source")
    con = sqlite3.connect(f"file:{files[0]}?mode=ro", uri=True)
    try:
        con.execute("PRAGMA query_only = 1")
        target = "file:" + files[1].replace("?", "%3f").replace("#", "%23") + "?mode=ro"
        con.execute(f"ATTACH DATABASE ? AS {SQLITE_TARGET}", (target,))
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


@dataclass
class Found:
    """What the engine found: the differing rows of each side and each side's row count."""

    source_rows: pa.Table
    target_rows: pa.Table
    totals: tuple[int, int]
    differing_keys: int


def find(src: Adapter, a: Input, tgt: Adapter, b: Input, where: Place, key: list[str],
         tolerances: dict[str, Tolerance]) -> Found | None:
    """Run the push-down; None when it cannot finish it cheaply (too many differing keys, key
    values without a safe literal): the caller streams instead."""
    s_head = src.read_arrow(a.sql, limit=0)
    t_head = tgt.read_arrow(b.sql, limit=0)
    plans, _, _ = plan_columns(s_head.schema, t_head.schema, tolerances, Tolerance(0, 0))
    lower = {k.lower() for k in key}
    key_pairs = [(p.name, p.target_name) for p in plans if p.name.lower() in lower]
    cols = [(p.name, p.target_name, p.kind == TEXT or "text" in (p.source_kind, p.target_kind))
            for p in plans if p.name.lower() not in lower]
    sql = differing_keys_sql(src, a.sql, where.target_sql, key_pairs, cols)
    count = "SELECT count(*) AS n FROM ({}) q"
    if where.sqlite_files:
        keys = _run_sqlite(where.sqlite_files, sql)
    else:
        keys = src.read_arrow(sql)
    if keys.num_rows > MAX_KEYS:
        return None
    s_filters = key_filters(src.DIALECT, src, [s for s, _ in key_pairs], keys)
    t_filters = key_filters(tgt.DIALECT, tgt, [t for _, t in key_pairs], keys)
    if s_filters is None or t_filters is None:
        return None
    totals = (int(src.read_arrow(count.format(a.sql)).column(0)[0].as_py()),
              int(tgt.read_arrow(count.format(b.sql)).column(0)[0].as_py()))
    s_rows = _fetch(src, a.sql, s_filters, s_head)
    t_rows = _fetch(tgt, b.sql, t_filters, t_head)
    return Found(s_rows, t_rows, totals, keys.num_rows)


def _fetch(adapter: Adapter, sql: str, filters: list[str], empty: pa.Table) -> pa.Table:
    parts = [adapter.read_arrow(f"SELECT * FROM ({sql}) q WHERE {f}") for f in filters]
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return empty
    return pa.concat_tables(parts, promote_options="permissive")
