/** Payload metadata of sealed payloads; shared by the codec (Node) and the payload converter (workflow sandbox). */
export const ENCODING_ENCRYPTED = 'binary/encrypted';
/** What the codec hands on when it cannot open a payload; never written to Temporal. */
export const ENCODING_UNDECRYPTABLE = 'binary/undecryptable';
export const META_KEY_ID = 'encryption-key-id';
export const META_REASON = 'undecryptable-reason';
