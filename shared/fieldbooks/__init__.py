"""Fieldbooks core: all logic lives here; handlers stay thin."""
