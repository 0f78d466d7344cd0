"""Helpers Linux 5.15 defines in its headers (include/): one module per header."""
