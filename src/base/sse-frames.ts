/**
 * The frames of a text/event-stream body as they arrive: the text between blank lines,
 * without the blank line. Fields (id:, event:, data:, comments) are the reader's to parse.
 */
export async function* sseFrames(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += dec.decode(chunk, { stream: true });
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      yield buf.slice(0, end);
      buf = buf.slice(end + 2);
    }
  }
}
