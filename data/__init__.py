"""Sample ledgers and the generator that makes them."""
