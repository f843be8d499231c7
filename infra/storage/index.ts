import type { Config } from "../../config/index.js";
import type { DocumentStorage } from "../../domain/records/storage.js";
import { LocalStorage } from "./local.js";

export async function createStorage(config: Config): Promise<DocumentStorage> {
  if (config.storage.driver === "s3") {
    const { S3Storage } = await import("./s3.js");
    return new S3Storage(config.storage.s3);
  }
  return new LocalStorage(config.storage.dir);
}
