"""The domain's flows over a repository (see manager.py)."""
