"""On-demand lookups on MusicBrainz and Wikidata: polite clients, match picking, the lookup service.

Nothing here imports discord; the cogs call ``OnlineLookup`` and render what it stored.
"""
