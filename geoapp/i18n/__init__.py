"""Languages and place names."""
