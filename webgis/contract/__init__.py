"""Typed contracts of the API: requests, errors and the analysis result (pydantic v2)."""
