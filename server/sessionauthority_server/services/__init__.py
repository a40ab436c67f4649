"""Servicers: proto <-> domain translation only."""
