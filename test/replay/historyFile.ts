/**
 * History files for the replay test. The SDK's historyToJSON/historyFromJSON fail in this install
 * ("type must be a Type": @temporalio/common and @temporalio/proto each carry their own protobufjs),
 * so histories are stored as protobufjs plain objects (int64 and enums as strings, bytes as base64)
 * and loaded back into History messages, which the replayer takes as they are.
 */
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
const HistoryMessage = temporal.api.history.v1.History;

/** A fetched history as a JSON-safe object. */
export function historyToPlain(history: History): Record<string, unknown> {
  return HistoryMessage.toObject(HistoryMessage.fromObject(history), {
    longs: String,
    enums: String,
    bytes: String,
  });
}

/** A stored history back as a History message (validates field types on the way in). */
export function historyFromPlain(plain: unknown): History {
  if (typeof plain !== 'object' || plain === null || !Array.isArray((plain as { events?: unknown }).events)) {
    throw new TypeError('not a history: expected an object with an events array');
  }
  return HistoryMessage.fromObject(plain as Record<string, unknown>);
}
