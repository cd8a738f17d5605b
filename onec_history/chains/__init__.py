"""Basis-document chains: link discovery, walking, the bulk graph, rendering."""
