"""Stage 5: Markdown, JSON, SARIF, graphs, frames, pictures, notebooks, display."""
