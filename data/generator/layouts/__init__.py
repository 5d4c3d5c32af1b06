"""Writers of the three export layouts of FORMATS.md §2, and which village uses which."""
