/**
 * The project's payload converter: the SDK's default, plus one converter for payloads the
 * codec could not open. Such a payload becomes a value that throws a non-retryable
 * `UndecryptablePayload` failure naming the key id wherever it is first used, instead of
 * failing the conversion itself: the SDK converts a workflow's input outside the workflow
 * function, where a throw fails the workflow task over and over instead of the run.
 *
 * So a new run whose input was sealed with a key its workers lack fails at once, naming the
 * key; an update with such arguments is refused; an activity given such arguments fails
 * without retries. A payload in the history of a run in flight (replayed after the key was
 * removed) makes the replay diverge, which fails the workflow task, and Temporal retries it:
 * the run resumes once the key is back in the keyring instead of being lost.
 *
 * Loaded inside the workflow sandbox: no Node modules.
 */
import { ApplicationFailure, CompositePayloadConverter, defaultPayloadConverter, type Payload, type PayloadConverterWithEncoding } from '@temporalio/common';
import { FailureType } from '../shared/failures';
import { ENCODING_UNDECRYPTABLE, META_KEY_ID, META_REASON } from './payload-metadata';

class UndecryptablePayloadConverter implements PayloadConverterWithEncoding {
  readonly encodingType = ENCODING_UNDECRYPTABLE;

  toPayload(): undefined {
    return undefined; // never chosen for a value: only the codec produces this encoding
  }

  fromPayload<T>(p: Payload): T {
    const text = (k: string) => (p.metadata?.[k] ? new TextDecoder().decode(p.metadata[k]) : '');
    const keyId = text(META_KEY_ID);
    const message =
      text(META_REASON) === 'missing-key'
        ? `a payload is sealed with encryption key "${keyId}", which this process's keyring does not have; add it to DURABLE_AGENTS_ENCRYPTION_KEYS`
        : `a payload sealed with encryption key "${keyId}" failed authentication: it was changed, or sealed for another namespace`;
    return unusable(() => ApplicationFailure.create({ type: FailureType.UndecryptablePayload, message, nonRetryable: true, details: [{ keyId }] })) as T;
  }
}

/** A value whose every use throws `failure()`; awaiting it (a `then` lookup) and symbol lookups do not count as use. */
function unusable(failure: () => Error): object {
  const use = (): never => {
    throw failure();
  };
  return new Proxy(Object.create(null) as object, {
    get: (_t, prop) => (typeof prop === 'symbol' || prop === 'then' ? undefined : use()),
    has: use,
    ownKeys: use,
    getOwnPropertyDescriptor: use,
    set: use,
  });
}

export const payloadConverter = new CompositePayloadConverter(new UndecryptablePayloadConverter(), ...defaultPayloadConverter.converters);
