"""Customer segmentation inside the SQL warehouse."""

__version__ = "0.1.0"
