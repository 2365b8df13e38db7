"""What talks to Discord for the cogs: rendering within its limits, checks, views, threads, posts.

Cogs use these; bot.store, bot.knowledge and bot.feeds never do (see CONTRIBUTING.md, "Layers").
"""
