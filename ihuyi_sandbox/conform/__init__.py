"""``ihuyi-sandbox conform``: the same probes sent to the real service and to a sandbox, their
answers compared, and the settings that make the sandbox answer as the service does. It may build
a throw-away sandbox in this process (``api/``) but serves no port and imports nothing of ``server/``."""
