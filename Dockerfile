# Parley in a container: `docker build -t parley .` from a checkout, then
#   docker run -d -p 8080:8080 -v parley-data:/data -e PARLEY_PUBLIC_URL=https://chat.example.com parley

# Build stage: the same `npm run build` as on a workstation, producing the one-file executable.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && mkdir -p /out/data

# Runtime stage: a thin Debian with only the binary (it needs glibc, nothing else).
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin parley
COPY --from=build /src/dist/parley /usr/local/bin/parley
COPY --from=build --chown=parley:parley /out/data /data
USER parley
ENV PARLEY_DATA_DIR=/data PARLEY_HOST=0.0.0.0 PARLEY_PORT=8080 PARLEY_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["parley", "healthcheck"]
ENTRYPOINT ["parley"]
CMD ["serve"]
