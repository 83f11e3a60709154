"""Stage 0: what every stage shares: errors, the frozen model, names, file writing."""
