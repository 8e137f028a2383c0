# ihuyi-sandbox in a container. The first stage builds the package's wheel and the wheels of the
# server's dependencies; the second installs them from there, with no source tree, no compiler and
# no index. tests/test_image.py replays these steps outside a container.
#
#   docker build -t ihuyi-sandbox .
#   docker run -p 8080:8080 ihuyi-sandbox [serve options...]    e.g. --scenario outage

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY ihuyi_sandbox ./ihuyi_sandbox
COPY scenarios ./scenarios
RUN pip wheel --no-cache-dir --wheel-dir wheels '.[server]'

FROM python:3.11-slim
LABEL org.opencontainers.image.title="ihuyi-sandbox" \
      org.opencontainers.image.description="A local, byte-faithful sandbox of the ihuyi messaging APIs" \
      org.opencontainers.image.licenses="MIT"
RUN useradd --create-home --uid 10001 sandbox \
    && mkdir -p /data && chown sandbox:sandbox /data
RUN --mount=type=bind,from=build,source=/src/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels 'ihuyi-sandbox[server]'

USER sandbox
# the database lives on the volume, which the image's user owns
VOLUME ["/data"]
EXPOSE 8080
# the check goes direct: an http_proxy given to the container must not carry it away
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD python -c "from ihuyi_sandbox._loopback import opener; u = 'http://127.0.0.1:8080/_sandbox/health'; opener(u).open(u, timeout=2)" || exit 1

# Inside the container the sandbox binds every interface; publish the port you want outside.
ENTRYPOINT ["ihuyi-sandbox", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/sandbox.db"]
