// The ceiling the benchmark compares Parley with: Bun's pub/sub speaking the same frames, with no
// database, no auth and no validation. Whatever Parley loses against it is the price of durability.
const historyPage = JSON.stringify({
  messages: Array.from({ length: 50 }, (_, i) => ({
    id: `m${i}`,
    conversationId: "c",
    clientId: `c${i}`,
    text: `history message ${i}`,
    createdAt: new Date().toISOString(),
    sender: { id: "u", username: "u", displayName: "U", avatarUrl: null },
  })),
});
let seq = 0;

const server = Bun.serve<{ user: string }>({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req, srv) {
    if (new URL(req.url).pathname === "/history")
      return new Response(historyPage, { headers: { "content-type": "application/json" } });
    if (srv.upgrade(req, { data: { user: "" } })) return;
    return new Response("ceiling", { status: 200 });
  },
  websocket: {
    message(ws, data) {
      const f = JSON.parse(String(data));
      if (f.type === "hello") {
        ws.data.user = String(f.token);
        for (const t of f.topics ?? []) ws.subscribe(`conv:${t}`);
        ws.send(JSON.stringify({ type: "ready", user: { id: ws.data.user }, lastEventId: String(seq) }));
      } else if (f.type === "send") {
        const message = {
          id: String(++seq),
          conversationId: f.conversationId,
          clientId: f.clientId,
          text: f.text,
          sender: { id: ws.data.user },
        };
        server.publish(
          `conv:${f.conversationId}`,
          JSON.stringify({ type: "event", event: { id: String(seq), type: "message.created", message } }),
        );
        ws.send(JSON.stringify({ type: "ack", id: f.id, message }));
      } else if (f.type === "ping") ws.send(JSON.stringify({ type: "pong", id: f.id ?? null }));
    },
  },
});
console.log(JSON.stringify({ address: `127.0.0.1:${server.port}` }));
