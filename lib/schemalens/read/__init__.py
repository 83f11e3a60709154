"""Stage 1: reading a migration folder, a manifest and planned documents into the model."""
