"""Handling a chat request on any platform: the runtime a handler has at hand, the request's life (recorded in
the inbox before its ack, worked on after it, finished by the `requests` job if its process died), the
post-ack work pool, and the web app every platform's endpoint is mounted in."""
