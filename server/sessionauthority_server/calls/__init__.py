"""The RPCs, transport-neutral: see calls/sessions.py."""
