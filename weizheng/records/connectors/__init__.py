"""Connectors: how a record query reaches a backend (base.py is the interface)."""
