"""Sampling beyond the plain draw: conditions on any combination of columns."""
