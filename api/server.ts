import { ConfigError, loadConfig } from "../config/index.js";
import { startPlatform } from "./platform.js";

/** Entry point: boot, listen, close gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`HealthLink cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const platform = await startPlatform(config);
  const { app } = platform;

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    app.log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      app.log.error("graceful shutdown timed out; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    platform.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  await app.listen({ host: config.host, port: config.port });
  app.log.info(`HealthLink is up: ${config.publicBaseUrl} (API docs at ${config.publicBaseUrl}/docs)`);
}

main().catch((err: unknown) => {
  console.error("HealthLink failed to start:", err);
  process.exit(1);
});
