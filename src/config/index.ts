export { ConfigModule } from './config.module';
export { MAX_REPLICAS, NODE_ID_PATTERN } from './peers';
export { ConfigError, defaultSchemaFor, loadConfig, MIN_API_TOKEN_LENGTH, MIN_PEER_SECRET_LENGTH, VaultConfig, verifiedPeerSecrets } from './vault-config';
export type { LogLevel, PeerInfo, TlsMaterial, VaultConfigFields } from './vault-config';
