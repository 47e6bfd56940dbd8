export const VERSION = '0.1.0';
/** The Redis version Concord reports: clients and libraries gate features on it. */
export const REDIS_COMPAT_VERSION = '7.0.15';
