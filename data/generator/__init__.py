"""Generator of realistic village ledgers with labelled misconduct, breaches and bad rows."""

from data.generator.ledgers import GenerationResult, generate_ledgers

__all__ = ["GenerationResult", "generate_ledgers"]
