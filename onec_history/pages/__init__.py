"""Pictures and pages people look at: chains as SVG, a client's history as one HTML file."""
