"""Writers of the three export layouts of FORMATS.md §2 and of the vendor styles of §2.1, and
which village uses which."""
