"""Prefect flows, the command line and the IO edges (export readers, output writers)."""
