"""The reference dataset on disk: reading, validating and checking it (no database)."""
