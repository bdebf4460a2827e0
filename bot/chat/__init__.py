"""Chat commands: one small async handler per command, grouped by what they are for.

subscribe.py — /start /stop /watch /unwatch /places /threshold /mute /unmute
read.py      — /summary /latest /sources /help
admin.py     — /addfeed /removefeed /stats (configured admin chats only)

Handlers reach the store and the gazetteer through `services(context)`;
all wiring lives in bot/telegram_app.py.
"""
