"""dbt output: a finished run written as a dbt project, built by dbt-core in-process on the
target, each model diffed against its source object (see export.export_dbt_project)."""
