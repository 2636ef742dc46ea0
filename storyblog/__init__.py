"""storyblog: a static-site generator for story blogs."""

__version__ = "0.1.0"
