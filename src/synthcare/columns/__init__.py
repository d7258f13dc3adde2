"""Column codecs, one module per kind of column.

A codec turns a column of the source table into the numeric form the engines learn from and
back. Engines see two forms only (:class:`Encoded`): ``discrete`` (integer class codes, with
missing as a class of its own) and ``continuous`` (floats, with ``NaN`` for missing).
"""

from synthcare.columns.base import Encoded

__all__ = ["Encoded"]
