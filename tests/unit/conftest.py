"""Unit-test fixtures: the LLM loop's tracer and adapter pair (tests/support/llm_fixtures)."""

from tests.support.llm_fixtures import pair, tracer  # noqa: F401 - fixtures, found by name
