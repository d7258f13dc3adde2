"""Data in: reading tables, the schema and its inference."""
