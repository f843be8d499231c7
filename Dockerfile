# HealthLink: one image for every role (ROLE=api, ROLE=worker or ROLE=all). docs/deploy.md explains a production setup.
# Node 22 (LTS) in the image; CI also tests Node 20, the oldest version package.json allows.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json .npmrc ./
# npm ci runs `prepare` (console/build.mjs), which builds the console only when its sources and Vite are there.
COPY console/build.mjs ./console/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json .npmrc ./
# npm ci runs `prepare` (console/build.mjs), which builds the console only when its sources and Vite are there.
COPY console/build.mjs ./console/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/app/data PORT=3000
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The web console (vite build in `npm run build`), served at /console.
COPY --from=build /app/console/dist ./console/dist
COPY package.json ./
COPY prompts ./prompts
# The data directory (embedded database, local documents) belongs to the unprivileged user the app runs as.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Liveness only: readiness (Postgres, Redis, migrations) is the orchestrator's /readyz probe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Not `npm start` (tsx is a dev dependency): the compiled server, which also answers SIGTERM gracefully. The
# preload starts OpenTelemetry tracing before the app's modules load when OTEL_EXPORTER_OTLP_ENDPOINT is set
# (and does nothing otherwise): docs/deploy.md, "Observability".
CMD ["node", "--import", "./dist/infra/telemetry/register.js", "dist/api/server.js"]
