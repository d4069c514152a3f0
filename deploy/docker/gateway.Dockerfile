# syntax=docker/dockerfile:1
# lagom-gateway: every public RPC of Lagom over HTTP/JSON (REST), for ITSM platforms.
# Build from the repository root:  docker build -f deploy/docker/gateway.Dockerfile -t lagom-gateway .

FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
COPY deploy/docker/build-packages.txt /tmp/
RUN apt-get update \
 && grep -v '^#' /tmp/build-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The googleapis protos come from npm (google-proto-files); no install script is needed to
# build. As in tools/bootstrap: npm ci refuses a lock file without every platform's buf
# package, npm install --no-save installs the locked versions all the same.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 || npm install --no-save --ignore-scripts --no-audit --no-fund
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build --target lagom-gateway \
 && strip --strip-debug build/services/gateway/lagom-gateway

FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
COPY deploy/docker/runtime-packages.txt /tmp/
RUN apt-get update \
 && grep -v '^#' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 10001 lagom \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin lagom
COPY --from=build /src/build/services/gateway/lagom-gateway /usr/local/bin/
USER 10001:10001
# Flags can also be set as LAGOM_<FLAG> variables; these are the container defaults. It serves
# plain HTTP (TLS ends in front of it, at the ingress): the manifests set LAGOM_ALLOW_PLAINTEXT,
# without which it refuses to start.
ENV LAGOM_LISTEN=0.0.0.0:8080 LAGOM_METRICS_ADDRESS=0.0.0.0:9090
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/lagom-gateway"]
