"""Session Authority: the single source of truth for user sessions."""
