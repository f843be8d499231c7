import { SITE_CSS } from "./style.js";

/**
 * The web chat page: one static HTML document with inline JS, no build step. Kept as a module (not a .html
 * file) so the compiled server carries it.
 *
 * Who is chatting:
 * - A patient with an account signs in with email and password (POST /api/auth/web/login). The access token
 *   (15 minutes) lives in this page's memory only; the refresh token is an HttpOnly, SameSite=Strict cookie
 *   scoped to /api/auth/web (see api/routes/auth.ts for why a cookie and not storage), so a script injected
 *   into the page cannot read it. The page refreshes a minute before expiry, and at once when the socket says
 *   UNAUTHENTICATED; a reload asks /api/auth/web/refresh first, so the session survives it. "Forgot password"
 *   calls /api/auth/password/forgot.
 * - Anyone else continues as a visitor (POST /chat/session): the chat onboards them (terms, name, date of
 *   birth, a code to their email or phone). The visitor token is kept in sessionStorage: it survives a reload
 *   of this tab, not the tab's closing (once verified it reaches the person's conversation, so it should not
 *   linger on a shared computer).
 * - A link /chat#access_token=… still works once: the token is taken from the address and the address is
 *   replaced at once (history.replaceState), so it is not kept in the address bar, the history or a bookmark.
 *   Such a session cannot be refreshed; when it ends, the page offers the sign-in.
 *
 * Messages: nothing is sent on the person's behalf. Each message has a uuid and is kept until the server
 * acknowledges it (an "ack" frame), then resent after a reconnect (the server answers an id once). A page that
 * (re)connects asks for both sides of the conversation after the last message it shows (its recent history
 * after a reload). The newest message and its choices are scrolled into view. No token is ever logged.
 */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HealthLink chat</title>
<style>${SITE_CSS}
  body { display: flex; flex-direction: column; height: 100vh; height: 100dvh; }
  #app { flex: 1; display: flex; flex-direction: column; min-height: 0; }
  #chat { flex: 1; display: flex; flex-direction: column; min-height: 0; }
  #log { flex: 1; overflow-y: auto; padding: 1rem; list-style: none; margin: 0; }
  #log li { max-width: 40rem; margin: .4rem 0; padding: .5rem .75rem; border-radius: .6rem; white-space: pre-wrap; overflow-wrap: anywhere; }
  #log li.bot { background: #eef3f8; }
  #log li.me { background: #d9ead3; margin-left: auto; width: fit-content; }
  #log li.bot button { display: block; margin: .3rem 0; padding: .4rem .7rem; font: inherit; cursor: pointer; border: 1px solid var(--brand); color: var(--brand); background: #fff; border-radius: .4rem; text-align: left; }
  #hint { padding: 0 1rem; }
  #composer { display: flex; gap: .5rem; padding: .75rem 1rem; border-top: 1px solid var(--line); }
  #composer input { flex: 1; min-width: 0; font: inherit; padding: .5rem; }
  #status { font-size: .9rem; padding: 0 1rem; color: var(--muted); min-height: 1.3em; margin: .25rem 0; }
  #signin { overflow-y: auto; padding: 1rem; max-width: 42rem; width: 100%; margin: 0 auto; }
  #signin form { display: grid; gap: .5rem; max-width: 22rem; }
  #signin input { font: inherit; padding: .5rem; }
  #signin .error { color: #a61b1b; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header class="site"><a class="brand" href="/">HealthLink</a>
  <nav aria-label="Account"><span id="who"></span>
    <button type="button" id="signout" hidden>Sign out</button>
    <button type="button" id="to-signin" hidden>Sign in</button>
  </nav>
</header>
<main id="app">
  <section id="signin" class="page" hidden aria-labelledby="signin-title">
    <h1 id="signin-title">Sign in to chat with HealthLink</h1>
    <p id="signin-note" role="status"></p>
    <form id="login" novalidate>
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required maxlength="254">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200">
      <button type="submit" class="button">Sign in</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>
    <details id="forgot-box">
      <summary>Forgot your password?</summary>
      <form id="forgot" novalidate>
        <label for="forgot-email">Your account's email</label>
        <input id="forgot-email" name="email" type="email" autocomplete="email" required maxlength="254">
        <button type="submit" class="button secondary">Send me a reset link</button>
        <p id="forgot-result" role="status"></p>
      </form>
    </details>
    <h2>New to HealthLink?</h2>
    <p>Chat without an account: we ask you to accept the <a href="/terms">terms and privacy notice</a>, your name
    and date of birth, and send a code to your email or phone.</p>
    <p><button type="button" id="visitor" class="button secondary">Continue without an account</button></p>
  </section>
  <section id="chat" hidden aria-labelledby="chat-title">
    <h1 id="chat-title" class="sr-only">HealthLink chat</h1>
    <ol id="log" aria-live="polite" aria-label="Conversation"></ol>
    <p id="hint" class="muted" hidden>Type a message to start, for example “I need a dentist in Delhi tomorrow”, or type “menu”.</p>
    <p id="status" role="status"></p>
    <form id="composer">
      <label for="text" class="sr-only">Your message</label>
      <input id="text" name="text" autocomplete="off" maxlength="2000" placeholder="Type a message or a number" required>
      <button type="submit" class="button">Send</button>
    </form>
  </section>
</main>
<script>
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var log = $("log"), status = $("status"), input = $("text"), hint = $("hint");
  var VISITOR = "hl.chat.visitorToken";
  // The session: who, the access token (memory only), whether the refresh cookie can renew it.
  var mode = null, access = null, refreshable = false, visitor = null, refreshTimer = null;
  // The socket and the messages: not yet sent, sent and not yet acknowledged, and what is on screen.
  var ws = null, retry = 500, unsent = [], inflight = [], seen = {}, shownRefs = {}, lastId = 0, generation = 0;

  function setStatus(t) { status.textContent = t; }
  function show(section) {
    $("signin").hidden = section !== "signin";
    $("chat").hidden = section !== "chat";
    $("signout").hidden = mode !== "user";
    $("to-signin").hidden = mode !== "visitor";
  }
  function post(url, body, bearer) {
    var headers = { "content-type": "application/json" };
    if (bearer) headers.authorization = "Bearer " + bearer;
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body || {}), credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        return r.text().then(function (t) {
          var json = null;
          try { json = t ? JSON.parse(t) : null; } catch (e) { json = null; }
          return { status: r.status, body: json };
        });
      });
  }

  // ---- the session ----------------------------------------------------------------------------------------
  function signedIn(body) {
    access = body.access_token;
    refreshable = true;
    mode = "user";
    $("who").textContent = body.user && body.user.name ? body.user.name : "";
    schedule(body.expires_in);
  }
  /** Renews a minute before the access token ends (a quarter early for a very short one). */
  function schedule(expiresIn) {
    clearTimeout(refreshTimer);
    var lead = expiresIn > 120 ? expiresIn - 60 : expiresIn * 0.75;
    refreshTimer = setTimeout(function () {
      refresh().then(function (ok) {
        if (ok) reconnect();
        else if (ok === false) ended("Your session has ended. Please sign in again.");
      });
    }, lead * 1000);
  }
  /** true: renewed; false: the session is over; null: could not reach the server (tried again soon). */
  function refresh() {
    return post("/api/auth/web/refresh", {}).then(function (r) {
      if (r.status === 200) { signedIn(r.body); return true; }
      if (r.status === 401) return false;
      throw new Error("refresh failed");
    }).catch(function () {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(function () { refresh().then(function (ok) { if (ok) reconnect(); }); }, 5000);
      return null;
    });
  }
  function ended(note) {
    closeSocket();
    clearTimeout(refreshTimer);
    if (mode === "visitor") sessionStorage.removeItem(VISITOR);
    mode = null; access = null; refreshable = false;
    $("who").textContent = "";
    signInForm(note);
  }
  function signInForm(note) {
    closeSocket();
    $("signin-note").textContent = note || "";
    show("signin");
  }

  // ---- the chat ---------------------------------------------------------------------------------------------
  function resetLog() {
    log.textContent = ""; seen = {}; shownRefs = {}; lastId = 0; unsent = []; inflight = [];
  }
  function openChat() {
    show("chat");
    connect();
    input.focus();
  }
  function item(cls, text) {
    hint.hidden = true;
    var li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    log.appendChild(li);
    return li;
  }
  /** The newest message with its choices and links, into view (block "end": its last button shows). */
  function reveal(li) { li.scrollIntoView({ block: "end" }); }
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
    shownRefs[frame.id] = true;
    reveal(item("me", text));
    unsent.push(frame);
    flush();
  }
  function flush() {
    if (!ws || ws.readyState !== 1 || !ws.ready) return;
    while (unsent.length) {
      var f = unsent.shift();
      inflight.push(f);
      ws.send(JSON.stringify(f));
    }
  }
  function track(id) { if (id > lastId) lastId = id; }
  function showMine(f) {
    track(f.id);
    if (seen["m" + f.id] || (f.ref && shownRefs[f.ref])) return;
    seen["m" + f.id] = true;
    reveal(item("me", f.text));
  }
  function showBot(f) {
    track(f.id);
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
    reveal(li);
  }
  function closeSocket() {
    generation += 1;
    if (ws) { var old = ws; ws = null; try { old.close(); } catch (e) { /* already closed */ } }
    requeue();
  }
  /** Messages the server has not acknowledged go out again on the next socket (a resend is answered once). */
  function requeue() { unsent = inflight.concat(unsent); inflight = []; }
  function reconnect() { if (mode) { closeSocket(); connect(); } }
  function connect() {
    var mine = ++generation;
    var q = mode === "user" ? "access_token=" + encodeURIComponent(access) : "visitor_token=" + encodeURIComponent(visitor);
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/ws?" + q);
    ws = socket;
    socket.onmessage = function (e) {
      if (mine !== generation) return;
      var f = JSON.parse(e.data);
      if (f.type === "ready") {
        socket.ready = true; retry = 500; setStatus("");
        socket.send(JSON.stringify({ type: "resume", after: lastId }));
        flush();
        if (lastId === 0 && !log.children.length) hint.hidden = false;
      } else if (f.type === "ack") {
        inflight = inflight.filter(function (x) { return x.id !== f.id; });
      } else if (f.type === "typing") setStatus("HealthLink is typing…");
      else if (f.type === "message") { setStatus(""); showBot(f); }
      else if (f.type === "mine") showMine(f);
      else if (f.type === "error" && f.code === "UNAUTHENTICATED") {
        generation += 1; ws = null; requeue();
        if (mode === "user" && refreshable) {
          setStatus("Reconnecting…");
          refresh().then(function (ok) {
            if (ok) connect();
            else if (ok === false) ended("Your session has ended. Please sign in again.");
          });
        } else ended("Your session has ended. Please sign in again, or continue without an account.");
      }
    };
    socket.onclose = function () {
      if (mine !== generation) return;
      ws = null; requeue();
      setStatus("Reconnecting…");
      setTimeout(function () { if (mine === generation) connect(); }, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  // ---- the forms ----------------------------------------------------------------------------------------------
  $("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var t = input.value.trim();
    if (t) send(t);
    input.value = "";
  });
  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    var err = $("login-error");
    err.textContent = "";
    var email = $("email").value.trim(), password = $("password").value;
    if (!email || !password) { err.textContent = "Enter your email and password."; return; }
    post("/api/auth/web/login", { email: email, password: password }).then(function (r) {
      if (r.status === 200) {
        $("password").value = "";
        closeSocket(); resetLog();
        signedIn(r.body);
        openChat();
      } else {
        err.textContent = r.body && r.body.error ? r.body.error.message : "Could not sign in. Please try again.";
      }
    }, function () { err.textContent = "Could not reach HealthLink. Please try again."; });
  });
  $("forgot").addEventListener("submit", function (e) {
    e.preventDefault();
    var out = $("forgot-result"), email = $("forgot-email").value.trim();
    if (!email) { out.textContent = "Enter your email."; return; }
    post("/api/auth/password/forgot", { email: email }).then(function (r) {
      out.textContent = r.body && r.body.message ? r.body.message : r.body && r.body.error ? r.body.error.message : "Please try again later.";
    }, function () { out.textContent = "Could not reach HealthLink. Please try again."; });
  });
  $("visitor").addEventListener("click", function () {
    post("/chat/session", {}).then(function (r) {
      if (r.status !== 201) { $("signin-note").textContent = r.body && r.body.error ? r.body.error.message : "Could not start the chat. Please try again."; return; }
      visitor = r.body.token;
      sessionStorage.setItem(VISITOR, visitor);
      mode = "visitor"; resetLog(); openChat();
    }, function () { $("signin-note").textContent = "Could not start the chat. Please try again."; });
  });
  $("signout").addEventListener("click", function () {
    post("/api/auth/web/logout", {}).then(function () { resetLog(); ended("You are signed out."); }, function () { resetLog(); ended("You are signed out."); });
  });
  $("to-signin").addEventListener("click", function () { signInForm(""); $("email").focus(); });

  // ---- start ------------------------------------------------------------------------------------------------
  var hash = new URLSearchParams(location.hash.slice(1));
  var given = hash.get("access_token");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  if (given) { access = given; mode = "user"; refreshable = false; openChat(); return; }
  refresh().then(function (ok) {
    if (ok) { openChat(); return; }
    visitor = sessionStorage.getItem(VISITOR);
    if (visitor) { mode = "visitor"; openChat(); }
    else signInForm("");
  });
})();
</script>
</body>
</html>
`;
