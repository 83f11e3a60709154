"""Stage 3: decisions and their options, in SQL, and what each changes."""
