"""Supervisory server core: configuration, standards data, relational store, runtime and CLI."""

__version__ = "0.1.0"
