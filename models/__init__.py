"""Scoring: entry features, the isolation forest, ranking and reasons."""
