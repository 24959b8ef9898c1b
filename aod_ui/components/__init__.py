"""Reusable page parts, one per module."""

from .frame import frame

__all__ = ['frame']
