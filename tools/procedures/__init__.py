"""Stored procedures and SQL functions as objects: parse them (parse.py), rewrite a procedure
set-based as one query per table it writes (setbased.py), prove it against the tables the
procedure leaves on a scratch copy of the source (scratch.py, prove.py)."""
