"""procwatch: catch sole-source government contracts the day they are posted."""

__version__ = "0.1.0"
