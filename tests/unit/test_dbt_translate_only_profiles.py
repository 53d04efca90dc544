"""profiles.yml for translate-only targets: the dbt adapter named after each dialect, what the
URL says, never the password; a dialect without a dbt adapter is a one-line ConfigError naming
it. And the columns of a model typed without an engine (sqlglot), as the project declares them."""

from __future__ import annotations

import pytest
import yaml

from tools.db.offline_types import result_columns
from tools.dbt.profiles import adapter_for, profile, secrets_env
from tools.errors import CompileFailed, ConfigError

PER_DIALECT = [
    ("mssql://etl:pw-123@sql.example:1444/dw", "", "sqlserver",
     {"server": "sql.example", "port": 1444, "database": "dw", "user": "etl"}),
    ("oracle://etl:pw-123@ora.example/ORCLPDB1", "", "oracle",
     {"host": "ora.example", "port": 1521, "service": "ORCLPDB1", "user": "etl"}),
    ("snowflake://etl:pw-123@acme-xy12/analytics", "", "snowflake",
     {"account": "acme-xy12", "database": "analytics", "user": "etl"}),
    ("bigquery://my-project/ds", "", "bigquery", {"project": "my-project", "method": "oauth"}),
    ("trino://etl@trino.example/hive", "", "trino", {"host": "trino.example", "port": 8080}),
    ("databricks://token:pw-123@dbc.example/x?http_path=/sql/1.0/wh", "", "databricks",
     {"host": "dbc.example", "http_path": "/sql/1.0/wh"}),
    ("redshift://etl:pw-123@rs.example/dev", "", "redshift",
     {"host": "rs.example", "port": 5439, "dbname": "dev"}),
    ("clickhouse://etl:pw-123@ch.example/default", "", "clickhouse", {"host": "ch.example"}),
    ("translate://", "tsql", "sqlserver", {"server": "localhost"}),
]


@pytest.mark.parametrize(("url", "dialect", "kind", "fields"), PER_DIALECT)
def test_each_translate_only_dialect_gets_its_dbt_adapter_and_no_secret(url, dialect, kind,
                                                                      fields):
    assert adapter_for(url, dialect) == kind
    out = profile(url, "shop", dialect)
    text = yaml.safe_dump(out)
    assert "pw-123" not in text
    assert out["type"] == kind and out["schema"] == "shop" or kind == "bigquery"
    assert {k: out[k] for k in fields} == fields
    secret = out.get("password", out.get("token"))
    if kind not in ("bigquery", "trino"):  # those authenticate otherwise (gcloud, none)
        assert secret == "{{ env_var('CUTOVER_DBT_PASSWORD', '') }}"
    assert secrets_env(url) == {}  # nothing is built here: no password is handed to dbt


@pytest.mark.parametrize(("url", "dialect", "named"), [
    ("teradata://etl@td.example/dw", "", "'teradata'"),
    ("translate://", "hive", "'hive'")])
def test_a_translate_only_dialect_without_a_dbt_adapter_is_one_clear_line(url, dialect, named):
    with pytest.raises(ConfigError) as caught:
        profile(url, "s", dialect)
    message = str(caught.value)
    assert "\n" not in message and named in message and "no dbt adapter" in message
    assert "tsql" in message  # the ones that have one are listed


def test_a_target_neither_buildable_nor_translate_only_is_still_refused():
    with pytest.raises(ConfigError, match="duckdb or postgresql"):
        adapter_for("sqlite:///x.db")


def test_columns_are_typed_without_an_engine_in_the_target_dialect():
    tables = {"payments": {"id": "int", "amount": "decimal(10,2)", "note": "text"}}
    tsql = result_columns("SELECT TOP 3 p.*, amount * 2 AS twice, CAST(id AS VARCHAR(9)) AS "
                          "code, COUNT(*) OVER () AS n, MAX(p.amount) OVER () AS top, "
                          "SUM(CAST(id > 1 AS BIT)) OVER () AS guessed FROM payments AS p "
                          "ORDER BY amount DESC", "tsql", tables)
    # an expression's type is declared only where sqlglot knows it, never guessed
    assert tsql == [("id", "int"), ("amount", "decimal(10,2)"), ("note", "text"),
                    ("twice", ""), ("code", "text"), ("n", "int"), ("top", "decimal(10,2)"),
                    ("guessed", "")]
    # Oracle folds unquoted names to upper case: the catalog's lower-case ones still match
    oracle = result_columns("SELECT ID, Note FROM payments FETCH FIRST 1 ROWS ONLY", "oracle",
                            tables)
    assert oracle == [("id", "int"), ("note", "text")]
    with pytest.raises(CompileFailed, match="not known"):
        result_columns("SELECT * FROM elsewhere", "tsql", tables)


def test_conditions_without_boolean_values_keep_their_truth_on_every_null_case():
    """T-SQL / Oracle have no boolean values: `COALESCE(c, FALSE)` becomes a CASE compared
    with 1. Both forms run on DuckDB over every TRUE / FALSE / NULL mix of the conditions
    and give the same rows, under NOT too (where a NULL must stay NULL)."""
    import duckdb
    import sqlglot

    from tools.dbt.dialect_gaps import in_dialect

    grid = "(VALUES (1, 1), (1, 0), (0, 1), (0, 0), (NULL, 1), (1, NULL), (NULL, NULL)) g(a, b)"
    for condition in ("COALESCE(a > 0, FALSE)", "NOT COALESCE(a > 0, FALSE)",
                      "COALESCE(a > 0, b > 0, FALSE)", "NOT COALESCE(a > 0, b > 0)",
                      "NOT COALESCE(a > 0)", "COALESCE(a > 0, FALSE) OR FALSE"):
        query = f"SELECT a, b FROM {grid} WHERE {condition} ORDER BY a, b"
        for dialect in ("tsql", "oracle"):
            tree = sqlglot.parse_one(sqlglot.transpile(query, read="duckdb", write=dialect)[0],
                                     read=dialect)
            written = in_dialect(tree, dialect)
            assert "FALSE" not in written.sql(dialect).upper()
            assert "COALESCE" not in written.sql(dialect).upper()
            con = duckdb.connect()
            assert con.sql(written.sql("duckdb")).fetchall() == con.sql(query).fetchall(), (
                condition, dialect)


def test_a_derived_tables_column_list_moves_into_its_select_for_oracle():
    """Oracle has no `alias(col, ...)` on a derived table: the names go on the projections,
    unquoted (Oracle folds the query's unquoted references to upper case), and the query
    still returns the same rows (DuckDB)."""
    import duckdb
    import sqlglot

    from tools.dbt.dialect_gaps import in_dialect

    query = ("SELECT ins.x, ins.y FROM (SELECT a, b FROM (VALUES (1, 'p'), (2, 'q')) v(a, b)) "
             "AS ins(x, y) ORDER BY ins.x")
    written = in_dialect(sqlglot.parse_one(query, read="duckdb"), "oracle")
    oracle = written.sql("oracle")
    assert "ins(" not in oracle.replace(" ", "") and "a AS x, b AS y" in oracle, oracle
    con = duckdb.connect()
    assert con.sql(written.sql("duckdb")).fetchall() == con.sql(query).fetchall() == [
        (1, "p"), (2, "q")]


def test_tsql_models_order_only_with_top_or_offset():
    """T-SQL refuses ORDER BY in a view, CTE or subquery without TOP / OFFSET: a bare one gets
    OFFSET 0 ROWS (same rows); TOP and a window's ORDER BY are left as they are."""
    import sqlglot

    from tools.dbt.dialect_gaps import in_dialect

    def tsql(query: str) -> str:
        return in_dialect(sqlglot.parse_one(query, read="tsql"), "tsql").sql("tsql")

    assert tsql("SELECT a FROM t ORDER BY a") == "SELECT a FROM t ORDER BY a OFFSET 0 ROWS"
    assert tsql("SELECT a FROM t UNION ALL SELECT b FROM u ORDER BY 1").endswith(
        "ORDER BY 1 OFFSET 0 ROWS")
    assert tsql("SELECT TOP 2 a FROM t ORDER BY a") == "SELECT TOP 2 a FROM t ORDER BY a"
    assert "OFFSET" not in tsql("SELECT ROW_NUMBER() OVER (ORDER BY a) AS n FROM t")
    kept = sqlglot.parse_one("SELECT a FROM t ORDER BY a", read="oracle")
    assert "OFFSET" not in in_dialect(kept, "oracle").sql("oracle")  # Oracle accepts it
