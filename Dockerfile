# ihuyi-sandbox in a container. The first stage builds the package's wheel and the wheels of the
# server's dependencies; the second installs them from there, with no source tree, no compiler and
# no index. tests/test_image.py replays these steps outside a container.
#
#   docker build -t ihuyi-sandbox .
#   docker run -p 8080:8080 ihuyi-sandbox [serve options...]    e.g. --scenario flaky-network
#   docker run ... ihuyi-sandbox --db postgresql://user@db/sandbox    several instances, one database

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY ihuyi_sandbox ./ihuyi_sandbox
COPY scenarios ./scenarios
RUN pip wheel --no-cache-dir --wheel-dir wheels '.[server,postgres]'

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="ihuyi-sandbox" \
      org.opencontainers.image.description="A local, byte-faithful sandbox of the ihuyi messaging APIs" \
      org.opencontainers.image.licenses="MIT"
RUN useradd --create-home --uid 10001 sandbox \
    && mkdir -p /data && chown sandbox:sandbox /data
RUN --mount=type=bind,from=build,source=/src/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels 'ihuyi-sandbox[server,postgres]'

USER sandbox
# serve's options, each also read from its IHUYI_SANDBOX_* variable: `docker run IMAGE --scenario X`
# passes X on to serve, `-e IHUYI_SANDBOX_ADMIN_TOKEN=...` sets one more. The database lives on the
# volume, which the image's user owns; serve writes its URL where the health check reads it.
ENV IHUYI_SANDBOX_HOST=0.0.0.0 \
    IHUYI_SANDBOX_PORT=8080 \
    IHUYI_SANDBOX_DB=/data/sandbox.db \
    IHUYI_SANDBOX_URL_FILE=/tmp/ihuyi-sandbox.url \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8080
# asks the URL serve wrote (the port it was given, whatever the options said), never via a proxy
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["ihuyi-sandbox", "health"]
# exec form: serve is PID 1 and gets docker stop's SIGTERM itself; it stops gracefully well within
# the grace period (a request still arriving gets a second, see server/serve.py)
ENTRYPOINT ["ihuyi-sandbox", "serve"]
