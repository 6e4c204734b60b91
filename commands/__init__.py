"""Platform-neutral command layer: text in, a neutral `Reply` out, the same for Slack, Teams and the console.

`commands.router` looks every command, button and form up by name; each module here holds one family of them
and parses, calls the domain and builds the reply. No rule lives here and no database is touched directly.
"""
