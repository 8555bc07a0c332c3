# Calbridge service image. One image for every role: compose.yaml (and any orchestrator) picks the role with the
# command, e.g. `node --import tsx src/cli/main.ts serve --role api` (test/compose-file.test.ts checks the commands
# against the CLI's real options). TypeScript runs through tsx, a runtime dependency: there is no build step.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY client ./client
# The embedded database and its lock live here when DATABASE_URL is unset; the service runs as `node`.
RUN mkdir -p /app/.calbridge && chown node:node /app/.calbridge
USER node
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/cli/main.ts", "serve", "--role", "all"]
