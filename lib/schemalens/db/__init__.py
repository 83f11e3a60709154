"""Stage 4: PostgreSQL: throwaway builds, rehearsals, live databases read-only."""
