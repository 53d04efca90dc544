"""The guard's tables: which functions and table names a statement may not use, per engine.

Data first: tools/guard.py holds the walk, this module the lists it consults. Names are lower
case and compared without their schema (`pg_catalog.pg_read_file` is `pg_read_file`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

# Functions with side effects, or that run SQL text the guard never sees, on any engine.
SIDE_EFFECTS = frozenset({
    # postgres
    "pg_sleep", "pg_sleep_for", "pg_sleep_until", "set_config", "nextval", "setval",
    "currval", "lastval", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf",
    "pg_rotate_logfile", "pg_notify", "txid_current", "pg_create_restore_point",
    "pg_switch_wal", "copy", "pg_export_snapshot", "pg_promote", "pg_wal_replay_pause",
    "pg_wal_replay_resume", "pg_backup_start", "pg_backup_stop", "pg_import_system_collations",
    "pg_log_backend_memory_contexts", "pg_current_xact_id", "setseed",
    # SQL text run inside the function: the guard would judge the wrapper, not the query
    "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
    "cursor_to_xmlschema", "ts_stat", "ts_rewrite", "dblink", "dblink_exec",
    "json_execute_serialized_sql", "query", "query_table",
    # mysql / mariadb
    "sleep", "benchmark", "get_lock", "release_lock", "sys_exec", "sys_eval",
    "master_pos_wait", "release_all_locks", "last_insert_id", "is_free_lock", "is_used_lock",
    # sqlite
    "load_extension", "edit", "fts3_tokenizer",
})

# Functions and table functions that read (or write) files, URLs or credentials outside the
# database. Refused on every side: their output would land in reports, traces and LLM prompts.
OUTSIDE_READERS = frozenset({
    # postgres
    "pg_read_file", "pg_read_binary_file", "pg_read_file_old", "pg_ls_dir", "pg_stat_file",
    "lo_import", "lo_export", "pg_current_logfile", "pg_hba_file_rules",
    "pg_ident_file_mappings", "pg_show_all_file_settings", "pg_file_write", "pg_file_rename",
    # mysql / mariadb
    "load_file",
    # sqlite
    "readfile", "writefile",
    # duckdb
    "sniff_csv", "glob", "duckdb_secrets", "which_secret", "load_aws_credentials", "getenv",
    "parquet_metadata", "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata",
    "parquet_bloom_probe", "iceberg_metadata", "iceberg_snapshots", "from_csv_auto",
    # clickhouse
    "file", "filecluster", "url", "urlcluster", "s3", "s3cluster", "s3queue", "hdfs",
    "hdfscluster", "remote", "remotesecure", "cluster", "clusterallreplicas", "mysql",
    "postgresql", "sqlite", "jdbc", "odbc", "executable", "input", "gcs", "cosn", "oss",
    "azureblobstorage", "azureblobstoragecluster", "deltalake", "iceberg", "hudi", "mongodb",
    "redis",
    # system
    "system",
})

# Whole families, by name prefix or suffix (lo_create, dblink_send_query, read_ndjson_objects,
# parquet_scan, pg_stat_reset_shared …).
DENIED_PREFIXES = ("lo_", "dblink", "pg_advisory", "pg_try_advisory", "pg_logical_",
                   "pg_replication_", "pg_create_", "pg_drop_", "pg_copy_", "pg_stat_reset",
                   "pg_ls_", "pg_read_", "pg_file_", "read_", "ducklake_", "delta_")
DENIED_SUFFIXES = ("_scan", "_to_xml", "_to_xmlschema", "_to_xml_and_xmlschema",
                   "_replication_slot", "_attach")

# A table name DuckDB (replacement scans), Spark (`parquet.`/path``) or ClickHouse would read
# from disk or the network instead of the catalog.
PATH_MARKERS = ("/", "\\", "://", "~")
FILE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".json", ".jsonl", ".ndjson", ".gz",
                 ".zst", ".bz2", ".xz", ".zip", ".xlsx", ".arrow", ".feather", ".ipc", ".avro",
                 ".orc", ".db", ".duckdb", ".sqlite", ".sqlite3", ".log", ".conf", ".env",
                 ".pem", ".key")
FILE_FORMAT_SCHEMAS = frozenset({"parquet", "csv", "json", "orc", "text", "avro", "delta",
                                 "binaryfile", "iceberg", "hudi"})

# VOLATILE PostgreSQL built-ins that are harmless to read (no state, no I/O): the allow-list
# takes only IMMUTABLE/STABLE functions otherwise.
POSTGRES_HARMLESS_VOLATILE = frozenset({"random", "clock_timestamp", "timeofday",
                                        "gen_random_uuid"})


def denied(name: str) -> str | None:
    """Why a function may not run anywhere, or None."""
    bare = name.rsplit(".", 1)[-1].lower()
    if bare in OUTSIDE_READERS or bare.startswith(("read_", "pg_read_", "pg_ls_")) \
            or bare.endswith("_scan"):
        return "reads files, URLs or secrets outside the database"
    if bare in SIDE_EFFECTS or bare.startswith(DENIED_PREFIXES) or bare.endswith(DENIED_SUFFIXES):
        return "has side effects or runs SQL text the guard cannot see"
    return None


@cache
def postgres_allowed() -> frozenset[str]:
    """PostgreSQL built-ins a query may call by name (tools/guard_lists/postgres_functions.txt)."""
    path = Path(__file__).with_name("postgres_functions.txt")
    names = {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    return frozenset((names | POSTGRES_HARMLESS_VOLATILE) - SIDE_EFFECTS - OUTSIDE_READERS)


def path_like(name: str) -> bool:
    """True when a table name is a file path or URL an engine would open."""
    lowered = name.lower()
    return any(m in lowered for m in PATH_MARKERS) or lowered.endswith(FILE_SUFFIXES)
