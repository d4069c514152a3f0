# syntax=docker/dockerfile:1
# lagom-migrations: the migrations job. The services that own PostgreSQL tables embed their
# migrations; lagom-migrate runs each with --migrate_only, which applies them and exits
# (see deploy/docker/lagom-migrate).
# Build from the repository root:  docker build -f deploy/docker/migrations.Dockerfile -t lagom-migrations .

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
 && cmake --build build --target lagom-questionnaire lagom-session lagom-reporting \
 && strip --strip-debug build/services/questionnaire/lagom-questionnaire \
      build/services/session/lagom-session build/services/reporting/lagom-reporting

FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
COPY deploy/docker/runtime-packages.txt /tmp/
RUN apt-get update \
 && grep -v '^#' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 10001 lagom \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin lagom
COPY --from=build /src/build/services/questionnaire/lagom-questionnaire \
     /src/build/services/session/lagom-session \
     /src/build/services/reporting/lagom-reporting /usr/local/bin/
COPY deploy/docker/lagom-migrate /usr/local/bin/
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/lagom-migrate"]
