"""Redaction: URL passwords, key=value secrets, API keys, registered literals."""

from __future__ import annotations

from tools.secrets import Redactor, redact


def test_url_and_key_value_passwords_are_masked():
    assert redact("postgresql://app:pa55@db:5432/x") == "postgresql://app:***@db:5432/x"
    assert redact("host=db password=hunter2 user=x") == "host=db password=*** user=x"
    assert "sk-abcdefghijkl" not in redact("error: bad key sk-abcdefghijkl")


def test_literal_secrets_are_masked_everywhere_but_short_words_are_not():
    r = Redactor(["a-long-secret-value", "cutover"])
    assert r.text("token a-long-secret-value leaked") == "token *** leaked"
    # a short password is not masked as a bare word (it would hide the tool's own name) ...
    assert r.text("cutover run") == "cutover run"
    # ... but still is where it stands as a password
    assert r.text("mysql://cutover:cutover@h/d") == "mysql://cutover:***@h/d"
    assert r.data({"a": ["x a-long-secret-value"]}) == {"a": ["x ***"]}


def test_the_linear_patterns_still_mask_every_url_shape():
    # The patterns are bounded/possessive (linear time; benchmarks/redact_bench.py) — the
    # shapes a password takes in a URL must all still be found.
    cases = {
        "postgresql+psycopg://app:p%40ss:w0rd@db/x": "postgresql+psycopg://app:***@db/x",
        "mysql://root:s3cr3t@127.0.0.1:3306/shop?x=1": "mysql://root:***@127.0.0.1:3306/shop?x=1",
        "see (postgresql://u:pw@h/d) there": "see (postgresql://u:***@h/d) there",
        "clickhousedb://:only-pw@h/": "clickhousedb://:***@h/",
        "two: a://u:p1@h b://v:p2@k": "two: a://u:***@h b://v:***@k",
    }
    for text, masked in cases.items():
        assert redact(text) == masked, text
    assert redact("api_key = sk-live-abcdef123456") == "api_key = ***"
    # Lookalikes that hold no secret are left alone.
    for text in ("http://example.com/a:b", "a://b:" * 3, "ab12" * 1000):
        assert redact(text) == text
