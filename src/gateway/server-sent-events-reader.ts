/**
 * An incremental reader of a `text/event-stream` body, fed the bytes as they pass through the
 * gateway: chunks split lines, UTF-8 characters and `\r\n` pairs anywhere, so it keeps the
 * unfinished tail between pushes. Only `event:` and `data:` matter here (ids and retry hints are
 * the client's business); an event is dispatched at its blank line, as the HTML spec's
 * "interpret an event stream" says, and a last event without one is dropped like the spec does.
 */

export interface ServerSentEvent {
  /** `message` when the event named none. */
  name: string;
  data: string;
}

export interface ServerSentEventsReader {
  push(chunk: Uint8Array): void;
  end(): void;
}

export function createServerSentEventsReader(
  onEvent: (event: ServerSentEvent) => void,
): ServerSentEventsReader {
  const decoder = new TextDecoder();
  let pending = "";
  let name = "";
  let dataLines: string[] = [];

  const takeLine = (line: string) => {
    if (line === "") {
      if (dataLines.length > 0) onEvent({ name: name === "" ? "message" : name, data: dataLines.join("\n") });
      name = "";
      dataLines = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") name = value;
    else if (field === "data") dataLines.push(value);
  };

  const drain = () => {
    let start = 0;
    for (let index = 0; index < pending.length; index++) {
      const character = pending.charCodeAt(index);
      if (character !== 10 && character !== 13) continue;
      // A `\r` at the very end may be the first half of `\r\n`: wait for the next chunk.
      if (character === 13 && index === pending.length - 1) break;
      takeLine(pending.slice(start, index));
      if (character === 13 && pending.charCodeAt(index + 1) === 10) index++;
      start = index + 1;
    }
    pending = pending.slice(start);
  };

  return {
    push(chunk) {
      pending += decoder.decode(chunk, { stream: true });
      drain();
    },
    end() {
      pending += decoder.decode();
      if (pending.endsWith("\r")) pending += "\n";
      drain();
    },
  };
}
