"""Local stand-ins for the web services the bot asks: real aiohttp servers on 127.0.0.1."""
