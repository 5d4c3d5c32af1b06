"""Writers of the three export layouts and of the vendor styles docs/reading-exports.md describes,
and which village uses which."""
