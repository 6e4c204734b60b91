"""Microsoft Teams, the only package that imports the Teams SDK (`microsoft_teams`): incoming activities
verified by their JWT and turned into `bot.runtime` calls, replies drawn as Adaptive Cards 1.5, people found
through the Bot Connector, and the outbox's messages sent through it."""

import warnings

# The SDK warns on import about its preview features and its own deprecated parts, none of which Tend uses:
# silenced for the SDK's modules only, so that Tend's logs say what matters.
warnings.filterwarnings("ignore", module=r"microsoft_teams(\.|$)")
