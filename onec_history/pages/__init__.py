"""Pictures and pages people look at: chains as SVG, a client's history as one HTML file."""

from .html import chain_html, history_html
from .svg import chain_svg

__all__ = ["chain_html", "chain_svg", "history_html"]
