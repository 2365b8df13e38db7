"""Knowledge over the catalog: importers, search, cards, questions, entity linking.

Nothing here imports discord or cogs; results are plain frozen dataclasses.
"""
