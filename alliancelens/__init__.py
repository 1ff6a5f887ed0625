"""AllianceLens: reflect together on a collaboration between organisations."""

__version__ = "0.1.0"
