/**
 * Architecture rules, checked in CI (`npm run check:deps`, part of `npm test`).
 * Why: a dependency rule that lives only in prose erodes. The core must stay pure so that the
 * availability engine and booking rules are testable without clocks, databases or networks.
 */
const IO_MODULES = [
  "^(node:)?(fs|fs/promises|net|http|https|http2|dgram|dns|child_process|cluster|worker_threads|tls|os|process|readline)$",
  "^(pg|pg-boss|@electric-sql/pglite|drizzle-orm|fastify|undici|nodemailer|pino|dotenv|openid-client)(/|$)",
];
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment: "src/core imports only src/core and pure libraries: no I/O, no database, no HTTP, no env.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { pathNot: ["^src/core/", "^node_modules/"], dependencyTypesNot: ["npm", "npm-dev", "core"] },
    },
    {
      name: "core-no-io-modules",
      comment:
        "The core does no I/O: these modules read files, the network, the database or the environment.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: IO_MODULES },
    },
    {
      name: "core-no-io-packages",
      comment: "The core does no I/O: no database, HTTP server, mailer, logger or env loader.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { dependencyTypes: ["npm", "npm-dev", "core"], path: IO_MODULES },
    },
    {
      name: "product-never-imports-sandbox",
      comment: "The sandbox emulators are started as separate processes; product code never imports them.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^sandbox/" },
    },
    {
      name: "adapters-not-imported-by-core",
      comment: "Adapters depend on the core, never the reverse.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: "^src/(store|providers|sync|server|jobs|web|cli)/" },
    },
    {
      name: "outbound-is-provider-neutral",
      comment:
        "src/outbound (the SSRF guard) serves feeds, webhooks and CalDAV alike: it depends on none of them.",
      severity: "error",
      from: { path: "^src/outbound/" },
      to: { path: "^src/(store|providers|sync|server|jobs|notify|scheduling|web|cli)/" },
    },
    {
      name: "only-config-reads-env",
      comment: "src/config.ts is the only reader of process.env (checked by test/architecture.test.ts).",
      severity: "ignore",
      from: {},
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "\\.test\\.ts$" },
  },
};
