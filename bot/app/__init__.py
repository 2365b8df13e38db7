"""The application: the command line, the Bot that wires every layer together, operator tools.

Nothing imports this package at run time except ``python -m bot`` (cogs name ``LinerNotesBot``
for the type checker only; see CONTRIBUTING.md, "Layers").
"""
