"""The core every layer may use: settings, errors, languages, dates, shards, metrics, Hangul.

Nothing here imports discord.py, the store or any other package of the bot (see CONTRIBUTING.md,
"Layers").
"""
