"""Generators: one module per engine, all behind :class:`synthcare.engines.base.Synthesizer`."""
