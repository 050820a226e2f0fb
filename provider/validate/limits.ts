// Limits and vocabularies of Together's own file check (together-python `check_file`), kept in one place so
// the rules and their messages cannot drift apart.

/** Bump whenever a rule or a message changes: cached reports made by older rules are then ignored. */
export const VALIDATOR_VERSION = 1;

export const GIB = 1024 ** 3;
export const MAX_FILE_SIZE_GIB = 50.1;
export const MAX_FILE_SIZE_BYTES = MAX_FILE_SIZE_GIB * GIB;
export const MIN_SAMPLES = 1;
export const DEFAULT_MAX_ERRORS = 20;

export const ROLES = ["system", "user", "assistant"] as const;
export const ROLE_LIST = ROLES.join(", ");

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const MAX_IMAGES_PER_MESSAGE = 10;
export const MAX_IMAGES_PER_EXAMPLE = 10;
export const IMAGE_MIME_TYPES = ["jpeg", "png", "webp"] as const;

export const PARQUET_COLUMNS = ["input_ids", "attention_mask", "labels"] as const;

/** Reads this large keep syscalls and per-chunk work negligible next to JSON parsing. */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/** Below this a JSONL file is checked in one pass: starting worker threads (tens of ms) would cost more than
 *  a second core saves. */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/** Threads checking one file at most (the calling thread and workers); past a few, reading the file again
 *  and merging outweigh another core. */
export const MAX_CHECK_THREADS = 4;
/** The unit of work the threads share out as they go: small enough that the slowest finishes at most one
 *  block (tens of ms) after the others, large enough that each costs little to cut, claim and merge. */
export const CHECK_BLOCK_BYTES = 8 * 1024 * 1024;
