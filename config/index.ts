import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isSupportedCountry, type CountryCode } from "libphonenumber-js/max";
import { z } from "zod";

/**
 * The one configuration object. Built once at boot from the environment, validated, frozen.
 * Every variable is listed in docs/configuration.md.
 */

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ROLE: z.enum(["all", "api", "worker"]).default("all"),
  /** Behind an ingress or load balancer: true, a hop count, or the proxies' addresses/CIDRs (comma-separated). */
  TRUST_PROXY: optionalString,
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_SEARCH_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  RATE_LIMIT_CHAT_SESSIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_WEBHOOKS_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  /** /metrics on a port of its own (then not on PORT); unset: on PORT. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** A bearer token /metrics asks for (Authorization: Bearer …); unset: open (keep it on an internal network). */
  METRICS_TOKEN: optionalString,
  /** Tracing: read by the preload (infra/telemetry/register.ts) and the OpenTelemetry SDK; here for the start-up log. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString,
  OTEL_SERVICE_NAME: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PUBLIC_BASE_URL: optionalString,
  DATA_DIR: z.string().default("./.data"),
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  REDIS_URL: optionalString,
  JWT_SECRET: optionalString,
  JWT_ACCESS_TTL_SECONDS: z.coerce.number().int().min(5).default(900),
  JWT_REFRESH_TTL_DAYS: z.coerce.number().int().min(1).default(30),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(1).default(30),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(900),
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  SEED_DEMO_DATA: bool.optional(),
  SEED_DOCTOR_COUNT: z.coerce.number().int().min(0).default(5000),
  STORAGE_DRIVER: z.enum(["local", "s3"]).default("local"),
  STORAGE_DIR: optionalString,
  STORAGE_ENCRYPTION_KEY: optionalString,
  DOCUMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  S3_BUCKET: optionalString,
  S3_REGION: z.string().default("us-east-1"),
  S3_ENDPOINT: optionalString,
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: bool.default(false),
  SEARCH_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(60),
  GOOGLE_MAPS_API_KEY: optionalString,
  GOOGLE_MAPS_BASE_URL: optionalString,
  BOOKING_MIN_LEAD_MINUTES: z.coerce.number().int().min(0).default(0),
  PRESCRIPTION_VALIDITY_MARGIN_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  PHARMACY_DELIVERY_FEE_MINOR: z.coerce.number().int().min(0).default(4000),
  PHARMACY_FREE_DELIVERY_ABOVE_MINOR: z.coerce.number().int().min(0).default(50000),
  DELIVERY_WEBHOOK_SECRET: optionalString,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_BASE: optionalString,
  PAYMENT_HOLD_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  REFUND_FULL_BEFORE_HOURS: z.coerce.number().min(0).default(24),
  REFUND_LATE_SHARE_PERCENT: z.coerce.number().min(0).max(100).default(50),
  PLATFORM_FEE_PERCENT: z.coerce.number().min(0).max(100).default(10),
  EARNINGS_HOLD_DAYS: z.coerce.number().min(0).max(365).default(7),
  EMERGENCY_NUMBERS: z.string().default("IN=112,PK=1122,US=911,CA=911,GB=999,DEFAULT=112"),
  DEFAULT_PHONE_REGION: z
    .string()
    .trim()
    .toUpperCase()
    .refine((v): v is CountryCode => isSupportedCountry(v), "an ISO 3166 alpha-2 region like IN, US or GB")
    .default("IN"),
  TERMS_VERSION: z.string().min(1).default("2030-01"),
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString,
  TELEGRAM_API_ROOT: z.string().default("https://api.telegram.org"),
  WHATSAPP_ACCESS_TOKEN: optionalString,
  WHATSAPP_PHONE_NUMBER_ID: optionalString,
  WHATSAPP_APP_SECRET: optionalString,
  WHATSAPP_VERIFY_TOKEN: optionalString,
  WHATSAPP_GRAPH_API_BASE: z.string().default("https://graph.facebook.com/v21.0"),
  WHATSAPP_TEMPLATES: optionalString,
  CLAIMS_CLEARINGHOUSE: z.enum(["sandbox"]).default("sandbox"),
  CLAIMS_SANDBOX_COVERAGE_PERCENT: z.coerce.number().int().min(0).max(100).default(80),
  CLAIMS_SANDBOX_AUTO_DECIDE: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  TEAMS_APP_ID: optionalString,
  TEAMS_APP_PASSWORD: optionalString,
  TEAMS_TENANT_ID: optionalString,
  TEAMS_OPENID_METADATA_URL: z
    .string()
    .default("https://login.botframework.com/v1/.well-known/openidconfiguration"),
  TEAMS_AUTH_TOKEN_URL: z
    .string()
    .default("https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"),
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_PHONE_NUMBER: optionalString,
  TWILIO_WHATSAPP_NUMBER: optionalString,
  TWILIO_API_BASE_URL: z.string().default("https://api.twilio.com"),
  TWILIO_WHATSAPP_TEMPLATES: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  LLM_MODEL: z.string().min(1).default("gpt-4o-mini"),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(1),
  ANALYTICS_PRICE_PER_MILLION_INPUT_TOKENS: z.coerce.number().min(0).default(0),
  ANALYTICS_PRICE_PER_MILLION_OUTPUT_TOKENS: z.coerce.number().min(0).default(0),
  ANALYTICS_PRICE_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default("USD"),
  TRANSCRIPTION_BASE_URL: optionalString,
  TRANSCRIPTION_MODEL: z.string().min(1).default("whisper-1"),
  TRANSCRIPTION_API_KEY: optionalString,
  TRANSCRIPTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  EMBEDDINGS_BASE_URL: optionalString,
  EMBEDDINGS_MODEL: z.string().min(1).default("text-embedding-3-small"),
  EMBEDDINGS_API_KEY: optionalString,
  EMBEDDINGS_DIMENSIONS: z.coerce.number().int().min(1).max(8192).optional(),
  EMBEDDINGS_BATCH_SIZE: z.coerce.number().int().min(1).max(2048).default(64),
  EMBEDDINGS_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  VECTOR_STORE: z.enum(["postgres", "pinecone"]).default("postgres"),
  PINECONE_API_KEY: optionalString,
  PINECONE_INDEX_HOST: optionalString,
  RAG_MIN_SIMILARITY: z.coerce.number().min(-1).max(1).default(0.3),
  RAG_TOP_K: z.coerce.number().int().min(1).max(20).default(6),
  RAG_VECTOR_CACHE_MB: z.coerce.number().min(0).max(65_536).default(64),
  VISIT_AUDIO_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(50 * 1024 * 1024),
  QUIET_HOURS: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, "HH:MM-HH:MM")
    .default("22:00-07:00"),
  APPOINTMENT_REMINDER_OFFSETS: z
    .string()
    .regex(/^\s*\d+[hm](\s*,\s*\d+[hm])*\s*$/, "like 24h,2h or 30m")
    .default("24h,2h"),
  NOTIFY_RELAY_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  REFILL_REMINDER_DAYS: z.coerce.number().int().min(1).max(30).default(3),
  SMTP_URL: optionalString,
  EMAIL_FROM: optionalString,
  VISIT_EARLY_JOIN_MINUTES: z.coerce.number().int().min(0).max(240).default(15),
  ICE_SERVERS: optionalString,
  TWILIO_API_KEY_SID: optionalString,
  TWILIO_API_KEY_SECRET: optionalString,
  TWILIO_VIDEO_API_BASE_URL: z.string().default("https://video.twilio.com"),
  VOICE_MODE: z.enum(["relay", "gather"]).default("relay"),
  VOICE_HANDOFF_NUMBER: optionalString,
  VOICE_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, "a language tag like en-US")
    .default("en-US"),
  VOICE_WELCOME_GREETING: z.string().max(300).default("Hello, this is HealthLink. How can I help you today?"),
  TWILIO_TWIML_APP_SID: optionalString,
});

export type Env = Record<string, string | undefined>;

/** One entry of ICE_SERVERS (the browser's RTCIceServer). */
export interface IceServer {
  readonly urls: string | readonly string[];
  readonly username?: string | undefined;
  readonly credential?: string | undefined;
}

const IceServersSchema = z.array(
  z.object({
    urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    username: z.string().optional(),
    credential: z.string().optional(),
  }),
);

/** ICE_SERVERS: a JSON array of RTCIceServer, e.g. [{"urls":"stun:stun.example.org:3478"}]. */
function parseIceServers(raw: string | undefined): IceServer[] {
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('ICE_SERVERS must be JSON like [{"urls":"stun:stun.example.org:3478"}]');
  }
  const result = IceServersSchema.safeParse(parsed);
  if (!result.success)
    throw new ConfigError('ICE_SERVERS must be an array of {"urls", "username"?, "credential"?}');
  return result.data;
}

export interface Config {
  readonly env: "development" | "production" | "test";
  readonly host: string;
  readonly port: number;
  /**
   * all: HTTP and the workers in one process (the embedded start); api: HTTP, webhooks and enqueueing only;
   * worker: the job workers and the relay (and /livez, /readyz on PORT for the probes).
   */
  readonly role: "all" | "api" | "worker";
  readonly logLevel: string;
  readonly publicBaseUrl: string;
  /** Prometheus metrics: on a port of their own (else on `port`), behind a bearer token when one is set. */
  readonly metrics: { readonly port: number | undefined; readonly token: string | undefined };
  /** OpenTelemetry: where spans go (started by the preload, infra/telemetry/register.ts), and as what service. */
  readonly tracing: { readonly endpoint: string | undefined; readonly serviceName: string };
  /** Fastify's trustProxy: whose X-Forwarded-For to believe (client addresses for rate limits and audit). */
  readonly trustProxy: boolean | number | string[];
  /** Requests per minute per client address, by kind of route (api/plugins/security.ts). */
  readonly rateLimits: { auth: number; search: number; chatSessions: number; webhooks: number };
  readonly dataDir: string;
  /** Embedded mode: no DATABASE_URL → PGlite under dataDir. */
  readonly database:
    | {
        readonly kind: "pg";
        readonly url: string;
        readonly poolSize: number;
        /** Hot read queries run as named (prepared) statements: planned once per connection. */
        readonly preparedStatements?: boolean;
      }
    | { readonly kind: "pglite"; readonly dir: string };
  readonly redisUrl: string | undefined;
  readonly auth: {
    readonly jwtSecret: string;
    readonly accessTtlSeconds: number;
    readonly refreshTtlDays: number;
    readonly passwordResetTtlMinutes: number;
    readonly loginMaxFailures: number;
    readonly loginLockoutSeconds: number;
  };
  readonly admin: { readonly email: string; readonly password: string } | undefined;
  /** undefined → decide by mode (embedded seeds on first run; a server database only when asked). */
  readonly seedDemoData: boolean | undefined;
  readonly seedDoctorCount: number;
  readonly storage: {
    readonly driver: "local" | "s3";
    readonly dir: string;
    readonly encryptionKey: Buffer;
    readonly maxBytes: number;
    readonly s3: {
      readonly bucket: string | undefined;
      readonly region: string;
      readonly endpoint: string | undefined;
      readonly accessKeyId: string | undefined;
      readonly secretAccessKey: string | undefined;
      readonly forcePathStyle: boolean;
    };
  };
  readonly search: { readonly cacheTtlSeconds: number };
  /** Places typed or shared in the chat: Google's Geocoding API when a key is set, the bundled gazetteer otherwise. */
  readonly maps: {
    readonly googleApiKey: string | undefined;
    /** The Geocoding API's origin (a local fake in tests); unset → Google's. */
    readonly googleBaseUrl: string | undefined;
  };
  readonly scheduling: { readonly minLeadMinutes: number };
  /** A prescription is valid until its longest item ends plus this many days (refills can be bought until then). */
  readonly prescriptions: { readonly validityMarginDays: number };
  readonly pharmacy: {
    /** Delivery fee per order, in minor units of the order's currency. */
    readonly deliveryFeeMinor: number;
    /** Orders whose subtotal reaches this pay no delivery fee. */
    readonly freeDeliveryAboveMinor: number;
    /** HMAC key of the delivery partner's webhook; unset → the webhook is disabled (404). */
    readonly deliveryWebhookSecret: string | undefined;
  };
  readonly payments: {
    /** No STRIPE_SECRET_KEY → the sandbox (a local test-mode checkout page). */
    readonly provider: "sandbox" | "stripe";
    readonly stripe:
      | {
          readonly secretKey: string;
          readonly webhookSecret: string;
          /** Host/port/protocol override (a local fake in tests). */
          readonly apiBase: string | undefined;
        }
      | undefined;
    readonly holdMinutes: number;
    readonly refundFullBeforeHours: number;
    readonly refundLateSharePercent: number;
    readonly platformFeePercent: number;
    readonly earningsHoldDays: number;
  };
  /** Phone numbers (domain/shared/phone.ts): stored in E.164. */
  readonly phone: {
    /** The region a number typed without "+" or "00" belongs to ("98765 43210" in IN → +919876543210). */
    readonly defaultRegion: CountryCode;
  };
  /** The conversation engine. */
  readonly bot: {
    /** Emergency number by ISO country code; `DEFAULT` when the person's country is unknown. */
    readonly emergencyNumbers: Readonly<Record<string, string>>;
    /** The version of the terms and privacy notice a person consents to in the chat. */
    readonly termsVersion: string;
  };
  /** The Telegram channel; undefined (off: the webhook answers 404) unless both the token and the secret are set. */
  readonly telegram:
    | {
        readonly botToken: string;
        /** Telegram sends it back in X-Telegram-Bot-Api-Secret-Token on every webhook call. */
        readonly webhookSecret: string;
        /** The Bot API's root (a local fake in tests). */
        readonly apiRoot: string;
      }
    | undefined;
  /**
   * The WhatsApp Cloud API (Meta) channel; undefined (off: its webhook answers 404) unless the access token,
   * phone number id, app secret and verify token are all set.
   */
  readonly whatsapp:
    | {
        readonly accessToken: string;
        readonly phoneNumberId: string;
        /** Signs every webhook POST (X-Hub-Signature-256). */
        readonly appSecret: string;
        /** Answers Meta's GET verification challenge. */
        readonly verifyToken: string;
        /** The Graph API with its version, e.g. https://graph.facebook.com/v21.0 (a local fake in tests). */
        readonly graphApiBase: string;
        /** Notification template name → the approved WhatsApp template sent outside the 24-hour window. */
        readonly templates: Readonly<Record<string, WhatsAppTemplate>>;
      }
    | undefined;
  /** Insurance claims: the clearinghouse port's adapter (only the sandbox so far) and its rules. */
  readonly claims: {
    readonly clearinghouse: "sandbox";
    /** The sandbox approves this share of the billed amount. */
    readonly sandboxCoveragePercent: number;
    /** The sandbox decides (accepts) at submission instead of leaving it to staff. */
    readonly sandboxAutoDecide: boolean;
  };
  /**
   * The Microsoft Teams channel for clinicians (POST /api/messages); undefined (off: the route does not
   * exist) unless TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID are all set.
   */
  readonly teams:
    | {
        readonly appId: string;
        readonly appPassword: string;
        readonly tenantId: string;
        /** The Bot Framework's OpenID metadata (its jwks_uri signs inbound activities). */
        readonly openIdMetadataUrl: string;
        /** Where the bot's outbound token comes from (client credentials). */
        readonly authTokenUrl: string;
      }
    | undefined;
  /**
   * SMS and WhatsApp through Twilio; undefined (off: the /webhooks/twilio/* routes answer 404) unless the
   * account SID, the auth token and at least one number are set.
   */
  readonly twilio:
    | {
        readonly accountSid: string;
        /** Signs every webhook (X-Twilio-Signature) and authenticates the REST calls. */
        readonly authToken: string;
        /** E.164 sender of SMS; undefined → no SMS adapter. */
        readonly phoneNumber: string | undefined;
        /** E.164 WhatsApp sender (without the "whatsapp:" prefix); undefined → no WhatsApp over Twilio. */
        readonly whatsappNumber: string | undefined;
        /** The REST API's root (a local fake in tests). */
        readonly apiBaseUrl: string;
        /** Notification template name → the Content template sent when WhatsApp's 24-hour window is closed. */
        readonly whatsappTemplates: Readonly<Record<string, TwilioContentTemplate>>;
      }
    | undefined;
  /** The AI agent's model (OpenAI-compatible). Undefined without OPENAI_API_KEY: the chat runs guided only. */
  readonly llm:
    | {
        readonly apiKey: string;
        readonly baseUrl: string | undefined;
        readonly model: string;
        readonly timeoutMs: number;
        readonly maxRetries: number;
      }
    | undefined;
  /**
   * Speech to text for visit recordings (an OpenAI-compatible `/audio/transcriptions`). Undefined without
   * TRANSCRIPTION_BASE_URL: recordings are kept, no transcript is made and the doctor writes the note.
   */
  readonly transcription:
    | {
        readonly baseUrl: string;
        readonly model: string;
        readonly apiKey: string | undefined;
        readonly timeoutMs: number;
      }
    | undefined;
  /** Largest visit audio upload, in bytes. */
  readonly visitAudioMaxBytes: number;
  /**
   * Embeddings for the records index (an OpenAI-compatible `/embeddings`). Undefined without EMBEDDINGS_BASE_URL:
   * questions about a patient's records are answered by full-text search alone.
   */
  readonly embeddings:
    | {
        readonly baseUrl: string;
        readonly model: string;
        readonly apiKey: string | undefined;
        readonly dimensions: number | undefined;
        readonly batchSize: number;
        readonly timeoutMs: number;
      }
    | undefined;
  /** Retrieval over one patient's history (domain/rag). */
  /** The analytics dashboard's estimate of model cost: prices per million tokens (0: no estimate). */
  readonly analytics: {
    readonly pricePerMillionInputTokens: number;
    readonly pricePerMillionOutputTokens: number;
    readonly priceCurrency: string;
  };
  readonly rag: {
    /** Where the vectors live: beside the chunks in Postgres, or Pinecone (one namespace per patient). */
    readonly vectorStore:
      | { readonly kind: "postgres" }
      | { readonly kind: "pinecone"; readonly apiKey: string; readonly indexHost: string };
    readonly minSimilarity: number;
    readonly topK: number;
    /** Memory for patients' decoded vectors (Postgres store), in bytes; 0: read them every time. */
    readonly vectorCacheBytes: number;
  };
  /**
   * The phone line (Twilio Voice): on when Twilio is configured with TWILIO_PHONE_NUMBER (the clinic number
   * callers dial and doctors' calls come from). docs/voice.md.
   */
  readonly voice:
    | {
        /** relay: ConversationRelay (streamed, barge-in); gather: <Gather>/<Say> turns (the fallback). */
        readonly mode: "relay" | "gather";
        /** E.164 number a caller is transferred to ("talk to a person", emergencies); unset → hang up. */
        readonly handoffNumber: string | undefined;
        /** BCP-47 language of speech recognition and text-to-speech, e.g. en-US. */
        readonly language: string;
        readonly welcomeGreeting: string;
        /** The clinic number: caller id of doctors' calls. */
        readonly callerId: string;
        /** Doctors' browser calls: the TwiML app and the API key that signs their access tokens. */
        readonly browser:
          | { readonly twimlAppSid: string; readonly apiKeySid: string; readonly apiKeySecret: string }
          | undefined;
      }
    | undefined;
  /** Notifications and reminders (domain/notifications). */
  /**
   * Visits: WebRTC in the browser with our own signalling (default), or Twilio Video group rooms when an API
   * key is set (TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET, with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN).
   */
  readonly visits: {
    readonly earlyJoinMinutes: number;
    /** RTCIceServer[] handed to the page (STUN/TURN); empty is fine on one machine or one LAN. */
    readonly iceServers: readonly IceServer[];
    readonly twilio:
      | {
          readonly accountSid: string;
          /** Signs the status callbacks (X-Twilio-Signature). */
          readonly authToken: string;
          readonly apiKeySid: string;
          readonly apiKeySecret: string;
          /** Twilio Video's REST root (a local fake in tests). */
          readonly apiBaseUrl: string;
        }
      | undefined;
  };
  readonly notifications: {
    /** Default quiet hours "HH:MM-HH:MM" on the patient's clock (a patient's own setting wins). */
    readonly quietHours: string;
    /** Appointment reminders: milliseconds before the start, largest first. */
    readonly appointmentReminderOffsetsMs: readonly number[];
    /** How often the outbox relay looks for due rows. */
    readonly relayIntervalMs: number;
    /** Refill reminders go this many days before an item's last scheduled dose (when refills remain). */
    readonly refillReminderDays: number;
  };
  /**
   * Email through SMTP (nodemailer): password reset links, one-time codes and the notifications of people who
   * prefer email. Undefined (no SMTP_URL): no email goes out.
   */
  readonly email:
    | {
        /** smtp://user:pass@host:587 or smtps://… (a local server in tests). */
        readonly smtpUrl: string;
        /** The From header, e.g. "HealthLink <no-reply@clinic.example>". */
        readonly from: string;
      }
    | undefined;
  /**
   * The embedded start (no DATABASE_URL) with no provider for email or for SMS: every email and SMS that would
   * have gone out is kept and readable at /dev/outbox instead. False outside the embedded start (the route does
   * not exist).
   */
  readonly devOutbox: boolean;
}

/** An approved WhatsApp message template: its body parameters are the notification's data keys, in order. */
export interface WhatsAppTemplate {
  readonly name: string;
  readonly language: string;
  readonly params: readonly string[];
}

const WhatsAppTemplates = z.record(
  z.string().min(1),
  z.object({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/),
    language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/),
    params: z.array(z.string().min(1)).max(60).default([]),
  }),
);

function parseWhatsAppTemplates(raw: string | undefined): Record<string, WhatsAppTemplate> {
  if (raw === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError("WHATSAPP_TEMPLATES must be JSON");
  }
  const parsed = WhatsAppTemplates.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(
      'WHATSAPP_TEMPLATES must map names to {"name": "lower_snake", "language": "en_US", "params": ["data_key"]}',
    );
  return parsed.data;
}

/** A Twilio Content template: its ContentSid and, in order, the notification data keys for {{1}}, {{2}}… */
export interface TwilioContentTemplate {
  readonly contentSid: string;
  readonly variables: readonly string[];
}

/** VECTOR_STORE=pinecone needs its key, its index host and an embedding model to fill it. */
function vectorStoreConfig(e: {
  VECTOR_STORE: "postgres" | "pinecone";
  PINECONE_API_KEY?: string | undefined;
  PINECONE_INDEX_HOST?: string | undefined;
  EMBEDDINGS_BASE_URL?: string | undefined;
}): Config["rag"]["vectorStore"] {
  if (e.VECTOR_STORE === "postgres") return { kind: "postgres" };
  if (!e.PINECONE_API_KEY) throw new ConfigError("PINECONE_API_KEY is required when VECTOR_STORE=pinecone");
  if (!e.PINECONE_INDEX_HOST)
    throw new ConfigError("PINECONE_INDEX_HOST is required when VECTOR_STORE=pinecone");
  if (!e.EMBEDDINGS_BASE_URL)
    throw new ConfigError("EMBEDDINGS_BASE_URL is required when VECTOR_STORE=pinecone");
  return { kind: "pinecone", apiKey: e.PINECONE_API_KEY, indexHost: e.PINECONE_INDEX_HOST };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads (or creates once) a random secret kept under the data directory, for embedded mode only. */
function embeddedSecret(dataDir: string, file: string, bytes: number): string {
  const full = path.join(dataDir, file);
  if (existsSync(full)) return readFileSync(full, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(bytes).toString("base64url");
  writeFileSync(full, secret + "\n", { mode: 0o600 });
  return secret;
}

function decodeKey(value: string, name: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
  if (key.length !== 32) throw new ConfigError(`${name} must be 32 bytes, as 64 hex characters or base64`);
  return key;
}

/** TRUST_PROXY: "true"/"false", a number of hops, or addresses and CIDRs separated by commas. */
function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Only the database to use (`npm run db:migrate`, the migration Job): no secrets needed to migrate.
 */
export function loadDatabaseConfig(env: Env = process.env): Config["database"] {
  const dataDir = path.resolve(env.DATA_DIR ?? "./.data");
  const url = env.DATABASE_URL;
  const poolSize = Number(env.DATABASE_POOL_SIZE ?? 2) || 2;
  return url ? { kind: "pg", url, poolSize } : { kind: "pglite", dir: path.join(dataDir, "pglite") };
}

export function loadConfig(env: Env = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const embedded = e.DATABASE_URL === undefined;

  let jwtSecret = e.JWT_SECRET;
  if (jwtSecret === undefined) {
    if (!embedded) throw new ConfigError("JWT_SECRET is required when DATABASE_URL is set");
    jwtSecret = embeddedSecret(dataDir, "jwt-secret", 48);
  }
  if (jwtSecret.length < 32) throw new ConfigError("JWT_SECRET must be at least 32 characters");

  let encryptionKey: Buffer;
  if (e.STORAGE_ENCRYPTION_KEY !== undefined) {
    encryptionKey = decodeKey(e.STORAGE_ENCRYPTION_KEY, "STORAGE_ENCRYPTION_KEY");
  } else if (embedded) {
    encryptionKey = decodeKey(embeddedSecret(dataDir, "storage-key", 32), "generated storage key");
  } else {
    throw new ConfigError("STORAGE_ENCRYPTION_KEY is required when DATABASE_URL is set");
  }

  if (e.STORAGE_DRIVER === "s3" && e.S3_BUCKET === undefined) {
    throw new ConfigError("S3_BUCKET is required when STORAGE_DRIVER=s3");
  }
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError("ADMIN_EMAIL and ADMIN_PASSWORD must be set together");
  }

  if (e.STRIPE_SECRET_KEY !== undefined && e.STRIPE_WEBHOOK_SECRET === undefined) {
    throw new ConfigError("STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set");
  }
  if (e.STRIPE_API_BASE !== undefined && !URL.canParse(e.STRIPE_API_BASE)) {
    throw new ConfigError("STRIPE_API_BASE must be a URL like http://127.0.0.1:12111");
  }

  if ((e.TELEGRAM_BOT_TOKEN === undefined) !== (e.TELEGRAM_WEBHOOK_SECRET === undefined)) {
    throw new ConfigError("TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET must be set together");
  }
  if (e.TELEGRAM_WEBHOOK_SECRET !== undefined && !/^[A-Za-z0-9_-]{16,256}$/.test(e.TELEGRAM_WEBHOOK_SECRET)) {
    throw new ConfigError("TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -");
  }
  if (!URL.canParse(e.TELEGRAM_API_ROOT)) {
    throw new ConfigError("TELEGRAM_API_ROOT must be a URL like https://api.telegram.org");
  }

  const whatsappVars = {
    WHATSAPP_ACCESS_TOKEN: e.WHATSAPP_ACCESS_TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: e.WHATSAPP_PHONE_NUMBER_ID,
    WHATSAPP_APP_SECRET: e.WHATSAPP_APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: e.WHATSAPP_VERIFY_TOKEN,
  };
  const whatsappMissing = Object.entries(whatsappVars).filter(([, v]) => v === undefined);
  if (whatsappMissing.length > 0 && whatsappMissing.length < 4) {
    throw new ConfigError(
      `WhatsApp needs all of WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN; missing: ${whatsappMissing.map(([k]) => k).join(", ")}`,
    );
  }
  if (!URL.canParse(e.WHATSAPP_GRAPH_API_BASE)) {
    throw new ConfigError("WHATSAPP_GRAPH_API_BASE must be a URL like https://graph.facebook.com/v21.0");
  }
  if (e.WHATSAPP_PHONE_NUMBER_ID !== undefined && !/^\d{1,30}$/.test(e.WHATSAPP_PHONE_NUMBER_ID)) {
    throw new ConfigError("WHATSAPP_PHONE_NUMBER_ID must be the numeric id of the business phone number");
  }
  const whatsappTemplates = parseWhatsAppTemplates(e.WHATSAPP_TEMPLATES);
  const teamsVars = {
    TEAMS_APP_ID: e.TEAMS_APP_ID,
    TEAMS_APP_PASSWORD: e.TEAMS_APP_PASSWORD,
    TEAMS_TENANT_ID: e.TEAMS_TENANT_ID,
  };
  const teamsMissing = Object.entries(teamsVars).filter(([, v]) => v === undefined);
  if (teamsMissing.length > 0 && teamsMissing.length < 3) {
    throw new ConfigError(
      `Teams needs all of TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID; missing: ${teamsMissing.map(([k]) => k).join(", ")}`,
    );
  }
  for (const [name, value] of [
    ["TEAMS_OPENID_METADATA_URL", e.TEAMS_OPENID_METADATA_URL],
    ["TEAMS_AUTH_TOKEN_URL", e.TEAMS_AUTH_TOKEN_URL],
  ] as const) {
    if (!URL.canParse(value)) throw new ConfigError(`${name} must be a URL`);
  }

  const twilioNumbers = [e.TWILIO_PHONE_NUMBER, e.TWILIO_WHATSAPP_NUMBER].filter((n) => n !== undefined);
  if ((e.TWILIO_ACCOUNT_SID === undefined) !== (e.TWILIO_AUTH_TOKEN === undefined)) {
    throw new ConfigError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together");
  }
  if (e.TWILIO_ACCOUNT_SID !== undefined && !/^AC[0-9a-zA-Z]{32}$/.test(e.TWILIO_ACCOUNT_SID)) {
    throw new ConfigError("TWILIO_ACCOUNT_SID must look like AC followed by 32 characters");
  }
  for (const n of twilioNumbers) {
    if (!/^\+\d{6,15}$/.test(n))
      throw new ConfigError(
        "TWILIO_PHONE_NUMBER and TWILIO_WHATSAPP_NUMBER must be E.164 numbers like +14155550100",
      );
  }
  if (!URL.canParse(e.TWILIO_API_BASE_URL)) {
    throw new ConfigError("TWILIO_API_BASE_URL must be a URL like https://api.twilio.com");
  }
  const twilioTemplates = parseTwilioTemplates(e.TWILIO_WHATSAPP_TEMPLATES);

  if (e.SMTP_URL !== undefined && !/^smtps?:\/\/[^/]/.test(e.SMTP_URL))
    throw new ConfigError(
      "SMTP_URL must be a URL like smtp://user:password@mail.example.com:587 (or smtps://)",
    );
  if (e.SMTP_URL !== undefined && !URL.canParse(e.SMTP_URL))
    throw new ConfigError(
      "SMTP_URL must be a URL like smtp://user:password@mail.example.com:587 (or smtps://)",
    );
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  const emailFrom =
    e.EMAIL_FROM ??
    `HealthLink <no-reply@${URL.canParse(publicBaseUrl) ? new URL(publicBaseUrl).hostname : "localhost"}>`;
  if (!/^[^<>@\s]+@[^<>@\s]+$|^[^<>]*<[^<>@\s]+@[^<>@\s]+>$/.test(emailFrom.trim()))
    throw new ConfigError(
      'EMAIL_FROM must be an address, or a name and an address: "HealthLink <no-reply@clinic.example>"',
    );
  if ((e.TWILIO_API_KEY_SID === undefined) !== (e.TWILIO_API_KEY_SECRET === undefined)) {
    throw new ConfigError("TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET must be set together");
  }
  if (
    e.TWILIO_API_KEY_SID !== undefined &&
    (e.TWILIO_ACCOUNT_SID === undefined || e.TWILIO_AUTH_TOKEN === undefined)
  ) {
    throw new ConfigError(
      "Twilio Video (TWILIO_API_KEY_SID) also needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (tokens, signed callbacks)",
    );
  }
  if (e.VOICE_HANDOFF_NUMBER !== undefined && !/^\+[1-9]\d{6,14}$/.test(e.VOICE_HANDOFF_NUMBER)) {
    throw new ConfigError("VOICE_HANDOFF_NUMBER must be an E.164 number like +14155550100");
  }
  if (e.TWILIO_TWIML_APP_SID !== undefined && !/^AP[0-9a-zA-Z]{32}$/.test(e.TWILIO_TWIML_APP_SID)) {
    throw new ConfigError("TWILIO_TWIML_APP_SID must look like AP followed by 32 characters");
  }
  if (!URL.canParse(e.TWILIO_VIDEO_API_BASE_URL)) {
    throw new ConfigError("TWILIO_VIDEO_API_BASE_URL must be a URL like https://video.twilio.com");
  }
  const iceServers = parseIceServers(e.ICE_SERVERS);

  if (e.METRICS_TOKEN !== undefined && e.METRICS_TOKEN.length < 16)
    throw new ConfigError("METRICS_TOKEN must be at least 16 characters (a random token)");
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT)
    throw new ConfigError("METRICS_PORT must differ from PORT (leave it unset to serve /metrics on PORT)");

  if (e.ROLE !== "all" && e.DATABASE_URL === undefined)
    throw new ConfigError(
      "ROLE=api and ROLE=worker are for a server database: set DATABASE_URL (the embedded database is one process's)",
    );

  const config: Config = {
    env: e.NODE_ENV,
    role: e.ROLE,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    publicBaseUrl,
    metrics: { port: e.METRICS_PORT, token: e.METRICS_TOKEN },
    tracing: {
      endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: e.OTEL_SERVICE_NAME ?? (e.ROLE === "worker" ? "healthlink-worker" : "healthlink-api"),
    },
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    rateLimits: {
      auth: e.RATE_LIMIT_AUTH_PER_MINUTE,
      search: e.RATE_LIMIT_SEARCH_PER_MINUTE,
      chatSessions: e.RATE_LIMIT_CHAT_SESSIONS_PER_MINUTE,
      webhooks: e.RATE_LIMIT_WEBHOOKS_PER_MINUTE,
    },
    dataDir,
    database: embedded
      ? { kind: "pglite", dir: path.join(dataDir, "pglite") }
      : {
          kind: "pg",
          url: e.DATABASE_URL!,
          poolSize: e.DATABASE_POOL_SIZE,
          preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
        },
    redisUrl: e.REDIS_URL,
    auth: {
      jwtSecret,
      accessTtlSeconds: e.JWT_ACCESS_TTL_SECONDS,
      refreshTtlDays: e.JWT_REFRESH_TTL_DAYS,
      passwordResetTtlMinutes: e.PASSWORD_RESET_TTL_MINUTES,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginLockoutSeconds: e.LOGIN_LOCKOUT_SECONDS,
    },
    admin:
      e.ADMIN_EMAIL !== undefined && e.ADMIN_PASSWORD !== undefined
        ? { email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD }
        : undefined,
    seedDemoData: e.SEED_DEMO_DATA,
    seedDoctorCount: e.SEED_DOCTOR_COUNT,
    storage: {
      driver: e.STORAGE_DRIVER,
      dir: path.resolve(e.STORAGE_DIR ?? path.join(dataDir, "documents")),
      encryptionKey,
      maxBytes: e.DOCUMENT_MAX_BYTES,
      s3: {
        bucket: e.S3_BUCKET,
        region: e.S3_REGION,
        endpoint: e.S3_ENDPOINT,
        accessKeyId: e.S3_ACCESS_KEY_ID,
        secretAccessKey: e.S3_SECRET_ACCESS_KEY,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
      },
    },
    search: { cacheTtlSeconds: e.SEARCH_CACHE_TTL_SECONDS },
    maps: { googleApiKey: e.GOOGLE_MAPS_API_KEY, googleBaseUrl: e.GOOGLE_MAPS_BASE_URL },
    scheduling: { minLeadMinutes: e.BOOKING_MIN_LEAD_MINUTES },
    prescriptions: { validityMarginDays: e.PRESCRIPTION_VALIDITY_MARGIN_DAYS },
    pharmacy: {
      deliveryFeeMinor: e.PHARMACY_DELIVERY_FEE_MINOR,
      freeDeliveryAboveMinor: e.PHARMACY_FREE_DELIVERY_ABOVE_MINOR,
      deliveryWebhookSecret: e.DELIVERY_WEBHOOK_SECRET,
    },
    payments: {
      provider: e.STRIPE_SECRET_KEY !== undefined ? "stripe" : "sandbox",
      stripe:
        e.STRIPE_SECRET_KEY !== undefined && e.STRIPE_WEBHOOK_SECRET !== undefined
          ? {
              secretKey: e.STRIPE_SECRET_KEY,
              webhookSecret: e.STRIPE_WEBHOOK_SECRET,
              apiBase: e.STRIPE_API_BASE,
            }
          : undefined,
      holdMinutes: e.PAYMENT_HOLD_MINUTES,
      refundFullBeforeHours: e.REFUND_FULL_BEFORE_HOURS,
      refundLateSharePercent: e.REFUND_LATE_SHARE_PERCENT,
      platformFeePercent: e.PLATFORM_FEE_PERCENT,
      earningsHoldDays: e.EARNINGS_HOLD_DAYS,
    },
    phone: { defaultRegion: e.DEFAULT_PHONE_REGION },
    bot: { emergencyNumbers: parseEmergencyNumbers(e.EMERGENCY_NUMBERS), termsVersion: e.TERMS_VERSION },
    telegram:
      e.TELEGRAM_BOT_TOKEN !== undefined && e.TELEGRAM_WEBHOOK_SECRET !== undefined
        ? {
            botToken: e.TELEGRAM_BOT_TOKEN,
            webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
            apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ""),
          }
        : undefined,
    whatsapp:
      whatsappMissing.length === 0
        ? {
            accessToken: e.WHATSAPP_ACCESS_TOKEN!,
            phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID!,
            appSecret: e.WHATSAPP_APP_SECRET!,
            verifyToken: e.WHATSAPP_VERIFY_TOKEN!,
            graphApiBase: e.WHATSAPP_GRAPH_API_BASE.replace(/\/+$/, ""),
            templates: whatsappTemplates,
          }
        : undefined,
    claims: {
      clearinghouse: e.CLAIMS_CLEARINGHOUSE,
      sandboxCoveragePercent: e.CLAIMS_SANDBOX_COVERAGE_PERCENT,
      sandboxAutoDecide: e.CLAIMS_SANDBOX_AUTO_DECIDE,
    },
    teams:
      teamsMissing.length === 0
        ? {
            appId: e.TEAMS_APP_ID!,
            appPassword: e.TEAMS_APP_PASSWORD!,
            tenantId: e.TEAMS_TENANT_ID!,
            openIdMetadataUrl: e.TEAMS_OPENID_METADATA_URL,
            authTokenUrl: e.TEAMS_AUTH_TOKEN_URL,
          }
        : undefined,
    twilio:
      e.TWILIO_ACCOUNT_SID !== undefined && e.TWILIO_AUTH_TOKEN !== undefined && twilioNumbers.length > 0
        ? {
            accountSid: e.TWILIO_ACCOUNT_SID,
            authToken: e.TWILIO_AUTH_TOKEN,
            phoneNumber: e.TWILIO_PHONE_NUMBER,
            whatsappNumber: e.TWILIO_WHATSAPP_NUMBER,
            apiBaseUrl: e.TWILIO_API_BASE_URL.replace(/\/+$/, ""),
            whatsappTemplates: twilioTemplates,
          }
        : undefined,
    llm: e.OPENAI_API_KEY
      ? {
          apiKey: e.OPENAI_API_KEY,
          baseUrl: e.OPENAI_BASE_URL,
          model: e.LLM_MODEL,
          timeoutMs: e.LLM_TIMEOUT_MS,
          maxRetries: e.LLM_MAX_RETRIES,
        }
      : undefined,
    visits: {
      earlyJoinMinutes: e.VISIT_EARLY_JOIN_MINUTES,
      iceServers,
      twilio:
        e.TWILIO_API_KEY_SID !== undefined &&
        e.TWILIO_API_KEY_SECRET !== undefined &&
        e.TWILIO_ACCOUNT_SID !== undefined &&
        e.TWILIO_AUTH_TOKEN !== undefined
          ? {
              accountSid: e.TWILIO_ACCOUNT_SID,
              authToken: e.TWILIO_AUTH_TOKEN,
              apiKeySid: e.TWILIO_API_KEY_SID,
              apiKeySecret: e.TWILIO_API_KEY_SECRET,
              apiBaseUrl: e.TWILIO_VIDEO_API_BASE_URL.replace(/\/+$/, ""),
            }
          : undefined,
    },
    transcription: e.TRANSCRIPTION_BASE_URL
      ? {
          baseUrl: e.TRANSCRIPTION_BASE_URL.replace(/\/+$/, ""),
          model: e.TRANSCRIPTION_MODEL,
          apiKey: e.TRANSCRIPTION_API_KEY,
          timeoutMs: e.TRANSCRIPTION_TIMEOUT_MS,
        }
      : undefined,
    visitAudioMaxBytes: e.VISIT_AUDIO_MAX_BYTES,
    embeddings: e.EMBEDDINGS_BASE_URL
      ? {
          baseUrl: e.EMBEDDINGS_BASE_URL.replace(/\/+$/, ""),
          model: e.EMBEDDINGS_MODEL,
          apiKey: e.EMBEDDINGS_API_KEY,
          dimensions: e.EMBEDDINGS_DIMENSIONS,
          batchSize: e.EMBEDDINGS_BATCH_SIZE,
          timeoutMs: e.EMBEDDINGS_TIMEOUT_MS,
        }
      : undefined,
    analytics: {
      pricePerMillionInputTokens: e.ANALYTICS_PRICE_PER_MILLION_INPUT_TOKENS,
      pricePerMillionOutputTokens: e.ANALYTICS_PRICE_PER_MILLION_OUTPUT_TOKENS,
      priceCurrency: e.ANALYTICS_PRICE_CURRENCY,
    },
    rag: {
      vectorStore: vectorStoreConfig(e),
      minSimilarity: e.RAG_MIN_SIMILARITY,
      topK: e.RAG_TOP_K,
      vectorCacheBytes: Math.round(e.RAG_VECTOR_CACHE_MB * 1024 * 1024),
    },
    voice:
      e.TWILIO_ACCOUNT_SID !== undefined && e.TWILIO_AUTH_TOKEN !== undefined && e.TWILIO_PHONE_NUMBER
        ? {
            mode: e.VOICE_MODE,
            handoffNumber: e.VOICE_HANDOFF_NUMBER,
            language: e.VOICE_LANGUAGE,
            welcomeGreeting: e.VOICE_WELCOME_GREETING,
            callerId: e.TWILIO_PHONE_NUMBER,
            browser:
              e.TWILIO_TWIML_APP_SID !== undefined &&
              e.TWILIO_API_KEY_SID !== undefined &&
              e.TWILIO_API_KEY_SECRET !== undefined
                ? {
                    twimlAppSid: e.TWILIO_TWIML_APP_SID,
                    apiKeySid: e.TWILIO_API_KEY_SID,
                    apiKeySecret: e.TWILIO_API_KEY_SECRET,
                  }
                : undefined,
          }
        : undefined,
    notifications: {
      quietHours: e.QUIET_HOURS,
      appointmentReminderOffsetsMs: parseOffsets(e.APPOINTMENT_REMINDER_OFFSETS),
      relayIntervalMs: e.NOTIFY_RELAY_INTERVAL_MS,
      refillReminderDays: e.REFILL_REMINDER_DAYS,
    },
    email: e.SMTP_URL !== undefined ? { smtpUrl: e.SMTP_URL, from: emailFrom.trim() } : undefined,
    devOutbox:
      embedded &&
      (e.SMTP_URL === undefined ||
        e.TWILIO_ACCOUNT_SID === undefined ||
        e.TWILIO_AUTH_TOKEN === undefined ||
        e.TWILIO_PHONE_NUMBER === undefined),
  };
  return deepFreeze(config);
}

/** "IN=112,PK=1122,DEFAULT=112" → {IN: "112", PK: "1122", DEFAULT: "112"}; DEFAULT falls back to 112. */
function parseEmergencyNumbers(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(",")) {
    const [country, number] = part.split("=").map((s) => s.trim());
    if (!country || !number || !/^[0-9+ ]{2,15}$/.test(number))
      throw new ConfigError(`EMERGENCY_NUMBERS: "${part}" is not COUNTRY=NUMBER`);
    out[country.toUpperCase()] = number;
  }
  out.DEFAULT ??= "112";
  return out;
}

/**
 * TWILIO_WHATSAPP_TEMPLATES: a JSON object, template name → "HX…" (the ContentSid; the notification's data
 * values go as named variables) or {"contentSid": "HX…", "variables": ["doctor", "time"]} ({{1}}, {{2}}…).
 */
function parseTwilioTemplates(raw: string | undefined): Record<string, TwilioContentTemplate> {
  if (raw === undefined) return {};
  const fail = () =>
    new ConfigError(
      'TWILIO_WHATSAPP_TEMPLATES must be a JSON object like {"appointment.reminder": "HX…"} or {"name": {"contentSid": "HX…", "variables": ["key"]}}',
    );
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw fail();
  }
  const Entry = z.union([
    z.string().regex(/^HX[0-9a-zA-Z]{32}$/),
    z.object({
      contentSid: z.string().regex(/^HX[0-9a-zA-Z]{32}$/),
      variables: z.array(z.string().min(1)).max(50).default([]),
    }),
  ]);
  const parsed = z.record(z.string().min(1), Entry).safeParse(json);
  if (!parsed.success) throw fail();
  return Object.fromEntries(
    Object.entries(parsed.data).map(([name, v]) => [
      name,
      typeof v === "string" ? { contentSid: v, variables: [] } : v,
    ]),
  );
}

/** "24h,2h,30m" → [86400000, 7200000, 1800000] (distinct, largest first). */
function parseOffsets(raw: string): number[] {
  const out = new Set<number>();
  for (const part of raw.split(",")) {
    const m = /^(\d+)([hm])$/.exec(part.trim());
    if (!m) throw new ConfigError(`APPOINTMENT_REMINDER_OFFSETS: "${part}" is not like 24h or 30m`);
    const ms = Number(m[1]) * (m[2] === "h" ? 3_600_000 : 60_000);
    if (ms > 0) out.add(ms);
  }
  return [...out].sort((a, b) => b - a);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
