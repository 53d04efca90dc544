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
