"""Entry features: each function is named after the column it returns."""
