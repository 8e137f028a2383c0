# ihuyi-sandbox in a container: the same install steps as the README's quick start.
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 sandbox \
    && mkdir -p /data && chown sandbox:sandbox /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY ihuyi_sandbox ./ihuyi_sandbox
COPY scenarios ./scenarios
RUN pip install --no-cache-dir .

USER sandbox
VOLUME ["/data"]
EXPOSE 8080
# the check goes direct: an http_proxy given to the container must not carry it away
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD python -c "from ihuyi_sandbox._loopback import opener; u = 'http://127.0.0.1:8080/_sandbox/health'; opener(u).open(u, timeout=2)" || exit 1

# Inside the container the sandbox binds every interface; publish the port you want outside.
CMD ["ihuyi-sandbox", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/sandbox.db"]
