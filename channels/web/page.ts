/**
 * The web chat page: one static HTML document with inline JS, no build step. Kept as a module (not a .html
 * file) so the compiled server carries it. Signed-in patients open /chat#access_token=…; anyone else gets a
 * visitor session. Messages are resent with the same id after a reconnect (the server answers an id once)
 * and the page asks for everything after the last message it has shown.
 */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HealthLink chat</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; color: #111; }
  header { padding: .75rem 1rem; background: #0b5394; color: #fff; }
  h1 { font-size: 1.15rem; margin: 0; }
  #log { flex: 1; overflow-y: auto; padding: 1rem; list-style: none; margin: 0; }
  #log li { max-width: 40rem; margin: .4rem 0; padding: .5rem .75rem; border-radius: .6rem; white-space: pre-wrap; }
  #log li.bot { background: #eef3f8; }
  #log li.me { background: #d9ead3; margin-left: auto; }
  #log button { display: block; margin: .3rem 0; padding: .4rem .7rem; font: inherit; cursor: pointer; border: 1px solid #0b5394; background: #fff; border-radius: .4rem; text-align: left; }
  #log button:focus, #log a:focus, input:focus, form button:focus { outline: 3px solid #f1c232; }
  form { display: flex; gap: .5rem; padding: .75rem 1rem; border-top: 1px solid #ccc; }
  input { flex: 1; font: inherit; padding: .5rem; }
  form button { font: inherit; padding: .5rem 1rem; }
  #status { font-size: .85rem; padding: 0 1rem; color: #555; min-height: 1.3em; }
</style>
</head>
<body>
<header><h1>HealthLink chat</h1></header>
<main style="flex:1;display:flex;flex-direction:column;min-height:0">
  <ol id="log" aria-live="polite" aria-label="Conversation"></ol>
  <p id="status" role="status"></p>
  <form id="form">
    <label for="text" class="sr-only" style="position:absolute;left:-9999px">Your message</label>
    <input id="text" name="text" autocomplete="off" maxlength="2000" placeholder="Type a message or a number" required>
    <button type="submit">Send</button>
  </form>
</main>
<script>
(function () {
  "use strict";
  var log = document.getElementById("log");
  var status = document.getElementById("status");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var hash = new URLSearchParams(location.hash.slice(1));
  var access = hash.get("access_token");
  var key = access ? "hl.chat.user" : "hl.chat.visitor";
  var visitor = localStorage.getItem("hl.chat.visitorToken");
  var lastId = Number(localStorage.getItem(key + ".lastId") || 0);
  var unsent = [];
  var ws, retry = 500, seen = {}, ended = false;

  function setStatus(t) { status.textContent = t; }
  function item(cls, text) {
    var li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function send(text, choice) {
    var frame = { type: "message", id: uuid(), text: text };
    if (choice) frame.choice = choice;
    item("me", text);
    unsent.push(frame);
    flush();
  }
  function flush() {
    if (!ws || ws.readyState !== 1 || !ws.ready) return;
    while (unsent.length) ws.send(JSON.stringify(unsent.shift()));
  }
  function show(f) {
    var k = f.id + "." + f.part;
    if (seen[k]) return;
    seen[k] = true;
    var li = item("bot", f.text);
    (f.links || []).forEach(function (l) {
      var a = document.createElement("a");
      a.href = l.url; a.textContent = l.label; a.rel = "noopener"; a.target = "_blank";
      li.appendChild(document.createElement("br")); li.appendChild(a);
    });
    (f.buttons || []).forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button"; btn.textContent = b.label;
      btn.addEventListener("click", function () { send(b.label.replace(/^\\d+\\.\\s*/, ""), b.id); });
      li.appendChild(btn);
    });
    if (f.id > lastId) { lastId = f.id; localStorage.setItem(key + ".lastId", String(lastId)); }
  }
  function connect(token) {
    var q = access ? "access_token=" + encodeURIComponent(access) : "visitor_token=" + encodeURIComponent(token);
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/ws?" + q);
    ws.onmessage = function (e) {
      var f = JSON.parse(e.data);
      if (f.type === "ready") {
        ws.ready = true; retry = 500; setStatus("");
        ws.send(JSON.stringify({ type: "resume", after: lastId }));
        if (lastId === 0 && !unsent.length) send("hi");
        flush();
      } else if (f.type === "typing") setStatus("HealthLink is typing…");
      else if (f.type === "message") { setStatus(""); show(f); }
      else if (f.type === "error" && f.code === "UNAUTHENTICATED") {
        ended = true;
        if (!access) localStorage.removeItem("hl.chat.visitorToken");
        setStatus("Your session has ended. Sign in again or reload the page.");
      }
    };
    ws.onclose = function () {
      if (ended) return;
      setStatus("Reconnecting…");
      setTimeout(function () { connect(token); }, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var t = input.value.trim();
    if (t) send(t);
    input.value = "";
  });
  if (access || visitor) connect(visitor);
  else fetch("/chat/session", { method: "POST" }).then(function (r) { return r.json(); }).then(function (b) {
    localStorage.setItem("hl.chat.visitorToken", b.token); connect(b.token);
  }, function () { setStatus("Could not start the chat. Please reload."); });
})();
</script>
</body>
</html>
`;
