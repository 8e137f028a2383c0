"""The line that ends what ``serve`` prints at start: the test support waits for it."""

BANNER_END = "  stop with Ctrl-C (or SIGTERM)"
