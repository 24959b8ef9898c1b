"""A self-hosted team dashboard for Agent on Demand sessions."""

__version__ = '0.1.0'
