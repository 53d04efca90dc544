"""Evaluation harness: benchmark migrations scored for parity (DESIGN.md §8).

suites (catalog, manifest, tpc) · fresh databases (engines, scripts, project) · the run
(runner, evidence) · scoring (scorers) · logs (log) · comparison (compare, html) · CI (gate).
"""
