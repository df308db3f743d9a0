# syntax=docker/dockerfile:1
# Two stages: compile TypeScript with the dev dependencies, then ship dist/ with production
# dependencies only. `npm install` (not `npm ci`): the lockfile lacks some platform-specific
# optional packages, which `npm install` resolves while keeping the locked versions.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY views ./views
USER node
EXPOSE 3000
# The same image runs every role: `start api` (default), `start worker`, `migrate`, `merchants create ...`.
CMD ["node", "bin/billfold.js", "start", "api"]
