import pino from "pino";
import { loadConfig } from "../config/index.js";
import { createDatabase } from "../db/client.js";
import { createServices } from "../domain/index.js";
import { systemClock } from "../domain/shared/clock.js";
import { MemoryCache } from "../infra/cache.js";
import { createEmbedder } from "../infra/embeddings.js";
import { lockDataDir } from "../infra/data-dir-lock.js";
import { createJobs } from "../infra/jobs.js";
import { createVectorStore } from "../infra/pinecone.js";
import { createStorage } from "../infra/storage/index.js";

/**
 * `npm run rag:reindex`: rebuilds every patient's records index (domain/rag) from their sources, with the
 * configured embeddings and vector store. Unchanged chunks are kept; changed ones are embedded again; chunks of
 * sources that no longer exist are removed. Safe to run beside the platform (each patient is rebuilt under its
 * own lock). Prints counts only.
 */
const config = loadConfig();
// Not while `npm start` has the embedded database open (DataDirLockedError says so).
const lock = config.database.kind === "pglite" ? lockDataDir(config.dataDir) : undefined;
const database = await createDatabase(config.database);
const jobs = createJobs(undefined, pino({ level: "warn" }));
try {
  await database.migrate();
  const services = createServices({
    database,
    cache: new MemoryCache(),
    clock: systemClock,
    jobs,
    config,
    storage: await createStorage(config),
    mailer: null,
    embedder: createEmbedder(config),
    vectorStore: createVectorStore(config),
  });
  const started = Date.now();
  const mode = services.rag.mode;
  console.log(`reindexing: ${mode.retrieval} retrieval, vectors in ${mode.store}`);
  const patients = await services.rag.reindexAll((id) => {
    if (id % 100 === 0) console.log(`… patient ${id}`);
  });
  console.log(`reindexed ${patients} patients in ${Date.now() - started} ms`);
} finally {
  await jobs.close();
  await database.close();
  lock?.release();
}
