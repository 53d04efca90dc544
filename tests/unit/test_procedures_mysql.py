"""MySQL routines read into the same statement tree as PL/pgSQL: the header (DELIMITER scripts,
DEFINER, characteristics, parameter modes, the text MySQLAdapter.routines() rebuilds), the
body normalised (SET, SELECT ... INTO anywhere, IF/ELSEIF, WHILE, REPEAT, LEAVE, the NOT FOUND
exit handler), bad input as one-line errors, and a function inlined then run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from tools.errors import ParseFailed
from tools.procedures.inline import PARAM, Unsupported, inline_function
from tools.procedures.mysql_body import read_mysql_body
from tools.procedures.parse import parse_routines
from tools.procedures.plpgsql import Block, If, Loop, NotStructured, Simple

SCRIPT = """
CREATE TABLE t (a INT);
DELIMITER //
CREATE DEFINER=`root`@`localhost` PROCEDURE report (
    IN min_count TINYINT UNSIGNED, INOUT total DECIMAL(10,2), OUT found_rows INT)
LANGUAGE SQL
NOT DETERMINISTIC
READS SQL DATA
SQL SECURITY DEFINER
COMMENT 'a report; with a semicolon'
proc: BEGIN
    DECLARE since, upto DATE;
    IF min_count = 0 THEN
        SELECT 'min_count must be > 0';
        LEAVE proc;
    END IF;
    SET since = DATE_SUB(CURRENT_DATE(), INTERVAL 1 MONTH);
    SELECT COUNT(*) FROM t WHERE a > min_count INTO found_rows;
    SELECT a FROM t;
END //
DELIMITER ;

DELIMITER $$
CREATE FUNCTION balance(p_id INT, p_at DATETIME) RETURNS DECIMAL(5,2)
    DETERMINISTIC
    READS SQL DATA
BEGIN
  DECLARE v INT DEFAULT 0; # a comment; with a semicolon
  SELECT IFNULL(SUM(a), 0) INTO v FROM t WHERE a = p_id;
  RETURN v;
END $$
DELIMITER ;
SET SQL_MODE=@OLD_SQL_MODE;
"""


def test_a_delimiter_script_gives_each_routine_with_modes_and_return_type() -> None:
    report, balance = parse_routines(SCRIPT, "mysql")
    assert (report.name, report.kind, report.language) == ("report", "procedure", "mysql")
    assert [(p.name, p.type, p.mode) for p in report.params] == [
        ("min_count", "TINYINT UNSIGNED", "IN"), ("total", "DECIMAL(10,2)", "INOUT"),
        ("found_rows", "INT", "OUT")]
    assert report.body.startswith("proc: BEGIN") and report.body.endswith("END")
    assert report.source_sql.startswith("CREATE DEFINER") and "//" not in report.source_sql
    assert (balance.name, balance.returns) == ("balance", "DECIMAL(5,2)")
    assert balance.body.startswith("BEGIN") and "#" in balance.body


def test_the_definition_the_catalog_rebuilds_reads_without_delimiters() -> None:
    # MySQLAdapter.routines(): no DELIMITER lines, quoted parameter names, the body as stored
    text = ("CREATE PROCEDURE `film_count`(IN `p_film_id` int(11), OUT `n` int(11)) "
            "BEGIN SELECT COUNT(*) FROM inventory WHERE film_id = p_film_id INTO n; END")
    (routine,) = parse_routines(text, "mysql")
    assert [(p.name, p.mode) for p in routine.params] == [("p_film_id", "IN"), ("n", "OUT")]
    body = read_mysql_body(routine.body)
    assert body.statements == [Simple(
        "SELECT COUNT(*) INTO n FROM inventory WHERE film_id = p_film_id", "SELECT")]


def test_the_body_is_the_plpgsql_tree_with_statements_in_plpgsql_form() -> None:
    report = parse_routines(SCRIPT, "mysql")[0]
    body = read_mysql_body(report.body)
    assert body.label == "proc"
    assert [(d.name, d.type) for d in body.declared] == [("since", "DATE"), ("upto", "DATE")]
    guard, assign, count, result = body.statements
    assert isinstance(guard, If)
    assert guard.branches == [("min_count = 0", [
        Simple("SELECT 'min_count must be > 0'", "SELECT"), Simple("RETURN", "RETURN")])]
    assert assign == Simple("since := DATE_SUB(CURRENT_DATE(), INTERVAL 1 MONTH)", "SINCE")
    assert count == Simple("SELECT COUNT(*) INTO found_rows FROM t WHERE a > min_count",
                           "SELECT")
    assert result == Simple("SELECT a FROM t", "SELECT")


def test_loops_elseif_blocks_and_the_not_found_handler() -> None:
    body = read_mysql_body("""BEGIN
      DECLARE i INT DEFAULT 0;
      DECLARE EXIT HANDLER FOR NOT FOUND RETURN -1;
      WHILE i < 3 DO SET i = i + 1; END WHILE;
      again: LOOP
        SET i = i * 2;
        IF i > 100 THEN LEAVE again; ELSEIF i > 50 THEN SET i = i + 1; ELSE SET i = i; END IF;
      END LOOP again;
      REPEAT SET i = i - 1; UNTIL i < 10 END REPEAT;
      BEGIN SELECT 1 INTO i; END;
      RETURN i;
    END""")
    assert body.not_found == "-1"
    assert body.declared[0].default == "0"
    loop_while, loop, repeat, block, ret = body.statements
    assert isinstance(loop_while, Loop) and (loop_while.kind, loop_while.header) == ("while",
                                                                                   "i < 3")
    assert isinstance(loop, Loop) and loop.kind == "loop"
    leave = loop.body[1]
    assert isinstance(leave, If) and leave.branches[0][1] == [Simple("EXIT", "EXIT")]
    assert isinstance(repeat, Loop) and repeat.body[-1] == Simple("EXIT WHEN i < 10", "EXIT")
    assert isinstance(block, Block) and block.body == [Simple("SELECT 1 INTO i", "SELECT")]
    assert ret == Simple("RETURN i", "RETURN")


@pytest.mark.parametrize(("body", "reason"), [
    ("BEGIN DECLARE CONTINUE HANDLER FOR SQLEXCEPTION SET @x = 1; END", "an error handler"),
    ("BEGIN SET @total = 1; END", r"a session variable \(@total\)"),
    ("BEGIN l: LOOP ITERATE l; END LOOP; END", "ITERATE"),
    ("BEGIN LEAVE nowhere; END", "LEAVE nowhere"),
])
def test_what_the_reader_cannot_cut_says_which_construct(body: str, reason: str) -> None:
    with pytest.raises(NotStructured, match=reason):
        read_mysql_body(body)


@pytest.mark.parametrize(("text", "message"), [
    ("CREATE FUNCTION f(a INT) BEGIN RETURN a; END", "function f: no RETURNS type"),
    ("CREATE PROCEDURE p(IN a) BEGIN END", "procedure p: parameter 'a' has no type"),
    ("CREATE PROCEDURE p BEGIN END", "procedure p: expected its parameter list"),
])
def test_a_bad_header_is_one_line_naming_the_routine(text: str, message: str) -> None:
    with pytest.raises(ParseFailed, match=message) as caught:
        parse_routines(text, "mysql")
    assert "\n" not in str(caught.value)


RENTALS = """
CREATE TABLE rental (inventory_id INTEGER, customer_id INTEGER, return_date DATE);
INSERT INTO rental VALUES (1, 10, NULL), (2, 20, '2005-01-01'), (3, 30, NULL), (3, 31, NULL);
"""
HELD_BY = """DELIMITER $$
CREATE FUNCTION held_by(p_inventory_id INT) RETURNS INT
READS SQL DATA
BEGIN
  DECLARE v_customer_id INT;
  DECLARE EXIT HANDLER FOR NOT FOUND RETURN NULL;
  SELECT customer_id INTO v_customer_id FROM rental
  WHERE return_date IS NULL AND inventory_id = p_inventory_id;
  RETURN v_customer_id;
END $$
DELIMITER ;"""


def _held_by(con: duckdb.DuckDBPyConnection, inventory_id: int) -> object:
    expression = inline_function(parse_routines(HELD_BY, "mysql")[0], "mysql")
    sql = sqlglot.transpile(f"SELECT {expression.sql('mysql')}", read="mysql",
                            write="duckdb")[0]
    row = con.execute(sql.replace(PARAM.format("p_inventory_id"), str(inventory_id))).fetchone()
    assert row is not None
    return row[0]


def test_an_inlined_mysql_function_keeps_no_row_null_and_many_rows_an_error() -> None:
    con = duckdb.connect()
    con.execute(RENTALS)
    assert _held_by(con, 1) == 10
    assert _held_by(con, 2) is None  # the NOT FOUND handler: no open rental, NULL
    assert _held_by(con, 9) is None
    # MySQL: "Result consisted of more than one row"; the subquery has no LIMIT 1, so the
    # target refuses it too instead of picking one customer
    with pytest.raises(duckdb.Error, match="(?i)more than one row"):
        _held_by(con, 3)


def test_a_mysql_function_body_the_inliner_cannot_express_is_unsupported() -> None:
    text = ("CREATE FUNCTION f(a INT) RETURNS INT BEGIN "
            "DECLARE CONTINUE HANDLER FOR SQLEXCEPTION RETURN 0; RETURN a; END")
    with pytest.raises(Unsupported, match="an error handler"):
        inline_function(parse_routines(text, "mysql")[0], "mysql")


REWARDS = """
CREATE PROCEDURE rewards(IN min_count TINYINT UNSIGNED, IN min_amount DECIMAL(10,2),
                         OUT rewarded INT)
READS SQL DATA
proc: BEGIN
    DECLARE since DATE;
    IF min_count = 0 THEN
        SELECT 'min_count must be > 0';
        LEAVE proc;
    END IF;
    SET since = '2005-01-01';
    CREATE TEMPORARY TABLE tmp (customer_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY);
    INSERT INTO tmp (customer_id)
    SELECT p.customer_id FROM pay AS p WHERE p.paid >= since
    GROUP BY customer_id HAVING SUM(p.amount) > min_amount AND COUNT(*) > min_count;
    SELECT COUNT(*) FROM tmp INTO rewarded;
    SELECT c.* FROM tmp AS t INNER JOIN cust AS c ON t.customer_id = c.customer_id;
    DROP TABLE tmp;
END"""
PAY = """
CREATE TABLE pay (customer_id INTEGER, amount DECIMAL(5,2), paid DATE);
CREATE TABLE cust (customer_id INTEGER, name TEXT);
INSERT INTO pay VALUES (1, 5, '2005-02-01'), (1, 6, '2005-03-01'), (2, 50, '2005-02-01'),
                       (3, 9, '2004-12-31'), (3, 9, '2005-01-02'), (3, 9, '2005-01-03');
INSERT INTO cust VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');
"""


def _run(con: duckdb.DuckDBPyConnection, sql: str, values: dict[str, str]) -> list[tuple]:
    for name, value in values.items():
        sql = sql.replace(PARAM.format(name), value)
    duck = sqlglot.transpile(sql, read="mysql", write="duckdb")[0]
    return sorted(con.execute(duck).fetchall(), key=str)


def test_a_read_only_procedure_is_its_result_sets_and_out_row() -> None:
    from tools.procedures.resultsets import result_sets, writes_tables

    routine = parse_routines(REWARDS, "mysql")[0]
    assert writes_tables(routine) == []  # the temporary table is not a write
    found = result_sets(routine)
    assert found.unsupported is None and sorted(found.reads) == ["cust", "pay"]
    assert len(found.results) == 1 and found.out is not None
    assert "min_count = 0 it stops" in found.notes[0]
    con = duckdb.connect()
    con.execute(PAY)
    values = {"min_count": "1", "min_amount": "10", "rewarded": "NULL"}
    # customers with more than one payment since 2005 and over 10 in all: ann (11), cy (18)
    assert _run(con, found.results[0], values) == [(1, "ann"), (3, "cy")]
    assert _run(con, found.out, values) == [(2,)]
    # the guard clause: with min_count = 0 the procedure stops, no rows and a NULL count
    tripped = {**values, "min_count": "0"}
    assert _run(con, found.results[0], tripped) == []
    assert _run(con, found.out, tripped) == [(None,)]


def test_a_procedure_that_writes_a_permanent_table_is_not_read_only() -> None:
    from tools.procedures.resultsets import result_sets, writes_tables

    text = ("CREATE PROCEDURE p(IN x INT) BEGIN DELETE FROM pay WHERE customer_id = x; "
            "SELECT * FROM pay; END")
    routine = parse_routines(text, "mysql")[0]
    assert writes_tables(routine) == ["pay"]
    assert "DELETE of a permanent table" in (result_sets(routine).unsupported or "")


def test_a_select_into_finding_no_row_keeps_the_variable_as_mysql_does() -> None:
    text = """CREATE FUNCTION last_customer(p_inventory_id INT) RETURNS INT
    BEGIN
      DECLARE v INT DEFAULT -1;
      SELECT customer_id INTO v FROM rental WHERE inventory_id = p_inventory_id;
      RETURN v;
    END"""
    expression = inline_function(parse_routines(text, "mysql")[0], "mysql")
    sql = sqlglot.transpile(f"SELECT {expression.sql('mysql')}", read="mysql",
                            write="duckdb")[0]
    con = duckdb.connect()
    con.execute(RENTALS)

    def value(inventory_id: int) -> object:
        row = con.execute(sql.replace(PARAM.format("p_inventory_id"), str(inventory_id))
                          ).fetchone()
        assert row is not None
        return row[0]

    assert value(1) == 10
    assert value(9) == -1  # no row: v keeps its DEFAULT (PL/pgSQL would make it NULL)


def test_a_catalog_definition_that_does_not_read_is_reported_not_dropped() -> None:
    from tools.dbt.procedures import unreadable

    good = "CREATE FUNCTION `g`(`a` int) RETURNS int RETURN a + 1"
    bad = "CREATE FUNCTION `f`(`a` int) BEGIN RETURN a; END"
    assert unreadable([good, bad], "mysql") == [{"object": "f", "reason": (
        "its catalog definition does not read: function f: no RETURNS type after its "
        "parameters")}]


GRADE = """CREATE FUNCTION grade(p_amount DECIMAL(5,2)) RETURNS VARCHAR(10)
BEGIN
  DECLARE g VARCHAR(10);
  CASE FLOOR(p_amount / 10)
    WHEN 0 THEN SET g = 'low';
    WHEN 1 THEN SET g = 'mid';
    ELSE SET g = 'high';
  END CASE;
  RETURN g;
END"""


def test_a_case_statement_is_an_if_chain_and_without_else_it_fails_like_mysql() -> None:
    expression = inline_function(parse_routines(GRADE, "mysql")[0], "mysql")
    sql = sqlglot.transpile(f"SELECT {expression.sql('mysql')}", read="mysql",
                            write="duckdb")[0]
    con = duckdb.connect()
    got = [con.execute(sql.replace(PARAM.format("p_amount"), v)).fetchone()
           for v in ("5", "12.5", "99", "NULL")]
    assert got == [("low",), ("mid",), ("high",), ("high",)]  # NULL matches no WHEN: ELSE
    # no ELSE: MySQL raises "Case not found" where nothing matches; no expression does that
    no_else = GRADE.replace("    ELSE SET g = 'high';\n", "")
    with pytest.raises(Unsupported, match="SIGNAL"):
        inline_function(parse_routines(no_else, "mysql")[0], "mysql")


CURSOR_SUM = """CREATE FUNCTION inventory_total(p_customer INT) RETURNS INT
READS SQL DATA
BEGIN
  DECLARE done INT DEFAULT FALSE;
  DECLARE v_id INT;
  DECLARE total INT DEFAULT 0;
  DECLARE c CURSOR FOR SELECT inventory_id FROM rental WHERE customer_id = p_customer;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = TRUE;
  OPEN c;
  read_loop: LOOP
    FETCH c INTO v_id;
    IF done THEN LEAVE read_loop; END IF;
    SET total = total + v_id;
  END LOOP;
  CLOSE c;
  RETURN total;
END"""


def test_mysqls_cursor_walk_with_a_done_flag_folds_into_an_aggregate() -> None:
    routine = parse_routines(CURSOR_SUM, "mysql")[0]
    body = read_mysql_body(routine.body)
    assert body.done_flag == "done" and "done" not in [d.name for d in body.declared]
    opened, fetch, loop, close, ret = body.statements
    assert isinstance(loop, Loop) and (loop.kind, loop.header) == ("while", "found")
    assert loop.body[-1] == fetch == Simple("FETCH c INTO v_id", "FETCH")
    expression = inline_function(routine, "mysql")
    sql = sqlglot.transpile(f"SELECT {expression.sql('mysql')}", read="mysql",
                            write="duckdb")[0]
    con = duckdb.connect()
    con.execute(RENTALS)
    con.execute("INSERT INTO rental VALUES (7, 10, NULL)")
    got = [con.execute(sql.replace(PARAM.format("p_customer"), v)).fetchone()
           for v in ("10", "31", "99")]
    assert got == [(8,), (3,), (0,)]  # 1 + 7; 3; no row: the DEFAULT 0


def test_the_done_flag_read_anywhere_else_is_refused() -> None:
    text = CURSOR_SUM.replace("RETURN total;", "IF done THEN RETURN -1; END IF; RETURN total;")
    with pytest.raises(NotStructured, match="beyond a cursor walk"):
        read_mysql_body(parse_routines(text, "mysql")[0].body)


def test_a_select_into_beside_the_done_flag_is_refused() -> None:
    # its NOT FOUND would set `done` too and end the walk early on MySQL
    text = CURSOR_SUM.replace("SET total = total + v_id;",
                              "SELECT customer_id INTO v_id FROM rental WHERE 1 = 0;")
    with pytest.raises(NotStructured, match="SELECT ... INTO finding no row"):
        read_mysql_body(parse_routines(text, "mysql")[0].body)


def test_a_temporary_tables_integer_column_rounds_what_is_inserted() -> None:
    from tools.procedures.resultsets import result_sets

    text = """CREATE PROCEDURE whole()
    BEGIN
      CREATE TEMPORARY TABLE t (x INT NOT NULL);
      INSERT INTO t (x) SELECT a FROM frac;
      SELECT x FROM t;
    END"""
    found = result_sets(parse_routines(text, "mysql")[0])
    con = duckdb.connect()
    con.execute("CREATE TABLE frac (a DECIMAL(5,2)); INSERT INTO frac VALUES (2.4), (2.6)")
    assert _run(con, found.results[0], {}) == [(2,), (3,)]
