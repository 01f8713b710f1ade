// Uploads and pictures, and where their bytes are kept (the data folder or S3).
import type { SettingDef } from "./setting.ts";

export const filesSettings = {
  maxUploadBytes: {
    kind: "int",
    env: "PARLEY_MAX_UPLOAD_BYTES",
    flag: "--max-upload-bytes",
    default: "104857600",
    min: 1024,
    max: 10737418240,
    description:
      "Largest file one upload may carry, in bytes (100 MiB by default); larger ones get 413, before or while they stream in.",
  },
  userQuotaBytes: {
    kind: "int",
    env: "PARLEY_USER_QUOTA_BYTES",
    flag: "--user-quota-bytes",
    default: "2147483648",
    min: 1024,
    max: 1099511627776,
    description: "How many bytes of files one person may have stored (2 GiB by default).",
  },
  unsentUploadTtlSeconds: {
    kind: "int",
    env: "PARLEY_UNSENT_UPLOAD_TTL_SECONDS",
    flag: "--unsent-upload-ttl-seconds",
    default: "86400",
    min: 1,
    max: 31536000,
    description:
      "Uploads that no message carries after this long (a day by default) are removed; checked every hour, or sooner if this is shorter.",
  },
  uploadUrlTtlSeconds: {
    kind: "int",
    env: "PARLEY_UPLOAD_URL_TTL_SECONDS",
    flag: "--upload-url-ttl-seconds",
    default: "900",
    min: 10,
    max: 604800,
    description: "How long a presigned upload URL stays valid (15 minutes by default).",
  },
  stripImageLocation: {
    kind: "bool",
    env: "PARLEY_STRIP_IMAGE_LOCATION",
    flag: "--strip-image-location",
    default: "true",
    description:
      "Remove location and other camera metadata (EXIF, XMP, IPTC) from uploaded JPEG, PNG and WebP images, keeping their orientation. Set false to keep photos byte for byte.",
  },
  storage: {
    kind: "enum",
    env: "PARLEY_STORAGE",
    flag: "--storage",
    default: "local",
    values: ["local", "s3"],
    description:
      "Where uploaded files are kept: local (the data folder, files/) or s3 (any S3-compatible bucket, set with the PARLEY_S3_* settings).",
  },
  s3Endpoint: {
    kind: "string",
    env: "PARLEY_S3_ENDPOINT",
    flag: "--s3-endpoint",
    default: "",
    description:
      "The bucket service's URL, e.g. http://127.0.0.1:9000 for MinIO or https://s3.eu-central-003.backblazeb2.com. Empty: AWS S3.",
  },
  s3Bucket: {
    kind: "string",
    env: "PARLEY_S3_BUCKET",
    flag: "--s3-bucket",
    default: "",
    description:
      "Bucket name (required with PARLEY_STORAGE=s3). Browsers upload to it directly with presigned URLs, so allow PUT from your public URL in its CORS rules.",
  },
  s3Region: {
    kind: "string",
    env: "PARLEY_S3_REGION",
    flag: "--s3-region",
    default: "us-east-1",
    description: "Bucket region; most S3-compatible services accept us-east-1.",
  },
  s3AccessKeyId: {
    kind: "string",
    env: "PARLEY_S3_ACCESS_KEY_ID",
    flag: "--s3-access-key-id",
    default: "",
    description: "Access key id for the bucket.",
  },
  s3SecretAccessKey: {
    kind: "string",
    env: "PARLEY_S3_SECRET_ACCESS_KEY",
    flag: "--s3-secret-access-key",
    default: "",
    secret: true,
    description: "Secret access key for the bucket.",
  },
} as const satisfies Record<string, SettingDef>;
