/**
 * The S3 implementation of Storage, imported from here (not from store/index)
 * so that only a center configured for S3 loads the AWS SDK.
 */
export * from './s3-storage.js';
