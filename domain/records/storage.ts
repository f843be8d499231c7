/** Where document bytes live. Adapters: local directory (default) and S3. Bytes arrive here already encrypted. */
export interface DocumentStorage {
  readonly kind: "local" | "s3" | "memory";
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}
