"""Canonical entry schema, charts of accounts, rule declarations and audit parameters."""
