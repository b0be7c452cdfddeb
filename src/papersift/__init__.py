"""papersift: triage reading lists of research papers from the keyboard."""

__version__ = "0.1.0"
